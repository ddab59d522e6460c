"""Check-ins: one per agreed period; a few taps each; the mentee's answers brief the mentor.

Answers can be changed until the period closes. What a closed period counts as (done,
partial, missed, paused) and when that is recorded: core/services/periods.py.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

from core.commands.common import PAIR_OPT, agreement_in_force, fmt_day, local_today, my_pair, names
from core.context import Context
from core.dialogs import SKIP, Data, Flow, Prompt, Step, parse_yes_no, two_choice_step
from core.errors import Conflict, NotFound
from core.i18n import N_, _, p_
from core.messages import Action, Choice, Field, Notice, Outcome, Reply
from core.model import (
    MAX_QUESTIONS,
    Agreement,
    CheckIn,
    CheckInAnswer,
    Pair,
    PairStatus,
    shown_question,
)
from core.registry import CommandSpec
from core.services.periods import checkins_to_show
from core.services.schedule import answer_deadline
from core.text import LONG_TEXT_MAX, SHORT_TEXT_MAX, clean_int, clean_text


async def current_checkin(ctx: Context, pair: Pair, agreement: Agreement) -> CheckIn:
    """This period's check-in row, created on the first answer. Earlier periods are left
    to their close handler: answering now doesn't decide what they were."""
    today = local_today(ctx)
    if today < agreement.starts_on:
        raise Conflict(_("Your first check-in opens {day}.", day=fmt_day(agreement.starts_on)))
    if today >= agreement.ends_on:
        raise Conflict(
            _("Your agreement has reached its end date."),
            hint=_("Agree on a new end date with `agree`, or close the pair with `end`."),
        )
    period = agreement.period_of(today)
    assert pair.id is not None
    for checkin in await ctx.uow.checkins.of_pair(pair.id):
        if checkin.period == period:
            return checkin
    opens, closes = agreement.period_bounds(period)
    return await ctx.uow.checkins.add(CheckIn(pair.id, period, opens, closes))


async def _ask_met(ctx: Context, data: Data) -> Prompt:
    question = _("Did you meet or talk since the last check-in?")
    if data.get("editing"):
        question += " " + _("You answered already; this replaces your answer.")
    return Prompt(
        question,
        choices=[(_("Yes"), "yes"), (_("No"), "no")],
        free_text=False,
        title=_(
            "Check-in {number} for pair #{pair}",
            number=int(data["period"]) + 1,
            pair=str(data["pair_id"]),
        ),
    )


async def _ask_minutes(ctx: Context, data: Data) -> Prompt:
    return Prompt(
        _("Roughly how long, in minutes?"),
        choices=[("15", "15"), ("30", "30"), ("60", "60")],
    )


async def _parse_minutes(ctx: Context, data: Data, raw: str) -> int:
    return clean_int(raw, what=_("minutes"), low=1, high=600)


def _question_step(index: int) -> Step:
    """The step asking the program's question number ``index`` (0-based), when it has one."""

    async def ask(ctx: Context, data: Data) -> Prompt:
        # The first question is open; the ones after it can often be answered in one tap.
        # Translators: a one-tap answer to a check-in question ("What is blocking you?")
        choices = [(_("Nothing"), "nothing")] if index > 0 else []
        return Prompt(shown_question(data["questions"][index]), choices=choices)

    async def parse(ctx: Context, data: Data, raw: str) -> str:
        return clean_text(raw, what=_("answer"), limit=SHORT_TEXT_MAX)

    return Step(
        f"answer{index + 1}", ask, parse, applies=lambda data: index < len(data["questions"])
    )


async def _ask_rating(ctx: Context, data: Data) -> Prompt:
    return Prompt(
        _("How useful was this period, from 1 (not at all) to 5 (very)?"),
        choices=[(str(n), str(n)) for n in range(1, 6)],
    )


async def _parse_rating(ctx: Context, data: Data, raw: str) -> int:
    return clean_int(raw, what=_("rating"), low=1, high=5)


async def _ask_note(ctx: Context, data: Data) -> Prompt:
    return Prompt(_("Anything else to note? You choose who sees it next."), optional=True)


async def _parse_note(ctx: Context, data: Data, raw: str) -> str:
    return "" if raw == SKIP else clean_text(raw, what=_("note"), limit=LONG_TEXT_MAX)


def note_visibility_step(key: str, *, when: Callable[[Data], bool] | None = None) -> Step:
    """The explicit choice every note makes: only its author, or the partner too."""
    return two_choice_step(
        key,
        _("Who may see this note?"),
        (_("Only me"), "private"),
        (_("Share with my partner"), "shared"),
        true_when="shared",
        error=_("Choose 'Only me' or 'Share with my partner'."),
        when=when,
    )


def brief_fields(answer: CheckInAnswer) -> tuple[Field, ...]:
    met = _("yes, {minutes} min", minutes=answer.minutes) if answer.met else _("no")
    fields = [
        # Translators: whether the two met or talked in the check-in period
        Field(_("Met"), met),
        *(  # each answer labelled by its question
            Field(shown_question(question), text)
            for question, text in zip(answer.questions, answer.answers, strict=False)
        ),
        Field(_("Rating"), f"{answer.rating}/5"),
        *_shared_note(answer),
    ]
    return tuple(fields)


async def _finish_checkin(ctx: Context, data: Data) -> Outcome:
    checkin = await ctx.uow.checkins.get(int(data["checkin_id"]))
    pair = await ctx.uow.pairs.get(int(data["pair_id"]))
    closed = checkin is None or local_today(ctx) >= checkin.closes_on
    if checkin is None or pair is None or closed or checkin.status not in ("open", "done"):
        raise Conflict(_("That check-in period has closed; your answer wasn't recorded."))
    assert checkin.id is not None and pair.id is not None
    me = ctx.my_id()
    answers = await ctx.uow.answers.of_checkin(checkin.id)
    mine = next((a for a in answers if a.person_id == me), None)
    answer = CheckInAnswer(
        checkin_id=checkin.id,
        person_id=me,
        met=bool(data["met"]),
        minutes=int(data.get("minutes", 0)) if data["met"] else 0,
        questions=tuple(data["questions"]),
        answers=tuple(data[f"answer{n}"] for n in range(1, len(data["questions"]) + 1)),
        rating=int(data["rating"]),
        note=data.get("note", ""),
        note_shared=bool(data.get("note_shared", False)),
        submitted_at=ctx.now(),
    )
    if mine is None:
        await ctx.uow.answers.add(answer)
        answers.append(answer)
    else:
        answer.id, answer.revision = mine.id, mine.revision + 1
        await ctx.uow.answers.save(answer)
    if len({a.person_id for a in answers}) >= 2:
        checkin.status = "done"
        await ctx.uow.checkins.save(checkin)
    partner = pair.partner_of(me)
    my_name = ctx.me().name
    version = f":r{answer.revision}" if answer.revision else ""  # each change is told once
    agreement = await agreement_in_force(ctx, pair)
    mentee = await ctx.uow.people.get(pair.mentee_id)
    until = (
        answer_deadline(ctx.me(), mentee, pair, agreement, checkin.period)
        if agreement is not None and mentee is not None
        else _("through {day}", day=fmt_day(checkin.closes_on - timedelta(days=1)))
    )
    saved = Reply(
        # Translators: {until} is "until <a time>" or "through <a day>"
        _(
            "Thanks — check-in {number} recorded. You can change it {until} by sending "
            "`checkin` again.",
            number=checkin.period + 1,
            until=until,
        ),
        title=_("Check-in saved"),
    )
    outcome = Outcome([saved])
    if me == pair.mentee_id:
        brief = Reply(
            _("{name} checked in (updated). Their brief:", name=my_name)
            if mine
            else _("{name} checked in. Their brief:", name=my_name),
            title=_(
                "Check-in {number}, pair #{pair}", number=checkin.period + 1, pair=str(pair.id)
            ),
            fields=brief_fields(answer),
        )
        key = f"pair:{pair.id}:brief:{checkin.period}{version}"
        outcome.notices.append(Notice(partner, brief, key=key))
    elif not mine or _shares_a_new_note(mine, answer):
        told = Reply(
            _(
                "{name} checked in for period {number} and shared a note with you.",
                name=my_name,
                number=checkin.period + 1,
            )
            if answer.note_shared and answer.note
            else _(
                "{name} checked in for period {number}.", name=my_name, number=checkin.period + 1
            ),
            fields=_shared_note(answer),
        )
        key = f"pair:{pair.id}:mentor-checked-in:{checkin.period}"
        if mine:  # an edit that shares a note: named by the note, so each one is told once
            key += f":note:{hashlib.sha256(answer.note.encode()).hexdigest()[:12]}"
        outcome.notices.append(Notice(partner, told, key=key))
    return outcome


def _shared_note(answer: CheckInAnswer) -> tuple[Field, ...]:
    return (Field(_("Shared note"), answer.note),) if answer.note and answer.note_shared else ()


def _shares_a_new_note(before: CheckInAnswer, after: CheckInAnswer) -> bool:
    return bool(_shared_note(after)) and _shared_note(before) != _shared_note(after)


CHECKIN = Flow(
    name="checkin",
    # Translators: a noun, as in "Cancelled your check-in."
    title=N_("check-in"),
    steps=(
        Step("met", _ask_met, parse_yes_no),
        Step("minutes", _ask_minutes, _parse_minutes, when=lambda d: bool(d.get("met"))),
        *(_question_step(index) for index in range(MAX_QUESTIONS)),
        Step("rating", _ask_rating, _parse_rating),
        Step("note", _ask_note, _parse_note),
        note_visibility_step("note_shared", when=lambda d: bool(d.get("note"))),
    ),
    finish=_finish_checkin,
    form=True,
)


async def cmd_checkin(ctx: Context, args: Mapping[str, Any]) -> Outcome:
    pair = await my_pair(ctx, args)
    if pair.status is PairStatus.PAUSED:
        raise Conflict(
            _("Pair #{pair} is paused, so check-ins are on hold.", pair=str(pair.id)),
            hint=_("`resume` to continue."),
        )
    agreement = await agreement_in_force(ctx, pair)
    if agreement is None:
        raise Conflict(
            _("Check-ins start once your agreement is confirmed."), hint=_("See `agreement`.")
        )
    checkin = await current_checkin(ctx, pair, agreement)
    program = await ctx.uow.programs.get(pair.program_id)
    assert program is not None and checkin.id is not None
    answered = any(a.person_id == ctx.my_id() for a in await ctx.uow.answers.of_checkin(checkin.id))
    data: Data = {
        "pair_id": pair.id,
        "checkin_id": checkin.id,
        "period": checkin.period,
        "questions": list(program.questions),
        "editing": answered,
    }
    return await ctx.dialogs.start(ctx, CHECKIN.name, data)


async def cmd_brief(ctx: Context, args: Mapping[str, Any]) -> Outcome:
    pair = await my_pair(ctx, args, reading=True)
    if pair.mentor_id != ctx.my_id():
        raise Conflict(
            _("The brief is the mentee's summary for their mentor."),
            hint=_("Your own: `checkins`."),
        )
    assert pair.id is not None
    for checkin in reversed(await ctx.uow.checkins.of_pair(pair.id)):
        assert checkin.id is not None
        for answer in await ctx.uow.answers.of_checkin(checkin.id):
            if answer.person_id == pair.mentee_id:
                (mentee,) = await names(ctx, pair.mentee_id)
                return Outcome(
                    [
                        Reply(
                            _(
                                "{mentee}, check-in {number}:",
                                mentee=mentee,
                                number=checkin.period + 1,
                            ),
                            # Translators: the mentee's check-in summary for their mentor
                            title=_("Brief"),
                            fields=brief_fields(answer),
                        )
                    ]
                )
    raise NotFound(_("Your mentee hasn't checked in yet."))


async def cmd_checkins(ctx: Context, args: Mapping[str, Any]) -> Outcome:
    pair = await my_pair(ctx, args, reading=True)
    agreement = await agreement_in_force(ctx, pair)
    if agreement is None:
        raise Conflict(_("Check-ins start once your agreement is confirmed."))
    assert pair.id is not None
    me = ctx.my_id()
    lines = []
    for checkin in await checkins_to_show(ctx.uow, pair, agreement, local_today(ctx)):
        answers = await ctx.uow.answers.of_checkin(checkin.id) if checkin.id is not None else []
        mine = next((a for a in answers if a.person_id == me), None)
        status = checkin_status_shown(checkin.status)
        if mine is None:
            detail = ""
        elif mine.met:
            detail = " " + _("— you: met yes, rated {rating}/5", rating=mine.rating)
        else:
            detail = " " + _("— you: met no, rated {rating}/5", rating=mine.rating)
        lines.append(f"{checkin.period + 1}. {fmt_day(checkin.opens_on)}: {status}{detail}")
    choices = (Choice(_("Check in now"), Action.command("checkin", f"pair={pair.id}").encode()),)
    return Outcome(
        [
            Reply(
                "\n".join(lines) or _("No check-ins yet."),
                title=_("Check-ins, pair #{pair}", pair=str(pair.id)),
                choices=choices,
            )
        ]
    )


def checkin_status_shown(status: str) -> str:
    """A check-in's status as a person reads it (the stored value stays English)."""
    shown = {
        # Translators: a check-in period's status
        "open": p_("check-in status", "open"),
        "done": p_("check-in status", "done"),
        "partial": p_("check-in status", "partial"),
        "missed": p_("check-in status", "missed"),
        "paused": p_("check-in status", "paused"),
    }
    return shown.get(status, status)


def checkin_commands() -> list[CommandSpec]:
    return [
        CommandSpec(
            "checkin",
            N_("Answer this period's check-in"),
            cmd_checkin,
            args=(PAIR_OPT,),
            group=N_("Check-ins"),
        ),
        CommandSpec(
            "checkins",
            N_("Your pair's check-in history"),
            cmd_checkins,
            args=(PAIR_OPT,),
            group=N_("Check-ins"),
        ),
        CommandSpec(
            "brief",
            N_("Your mentee's latest check-in (mentors)"),
            cmd_brief,
            args=(PAIR_OPT,),
            group=N_("Check-ins"),
        ),
    ]
