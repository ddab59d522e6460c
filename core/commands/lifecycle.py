"""Pause, resume, end, rematch and feedback: the parts existing tools get wrong.

A pause freezes the cadence (paused periods are never counted as missed) and both sides are
told. Ending is private and needs no confrontation: the coordinator learns the reason, the
partner gets a kind, neutral message. People waiting for a rematch come first.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from core.commands.common import (
    PAIR_OPT,
    PROGRAM_OPT,
    agreement_in_force,
    fmt_day,
    local_today,
    my_pair,
    my_program,
    names,
    open_pairs,
    require_status,
)
from core.commands.pairing import notify_coordinators
from core.context import Context
from core.dialogs import SKIP, Data, Flow, Prompt, Step, parse_yes_no, two_choice_step
from core.errors import Conflict, InvalidInput, NotFound
from core.identity import Person
from core.messages import Action, Choice, ChoiceStyle, Notice, Outcome, Reply
from core.model import Agreement, Feedback, Pair, PairStatus, Role
from core.registry import Arg, ArgKind, CommandSpec
from core.services.pauses import (
    INDEFINITELY,
    pause_pair,
    resume_pair,
    still_away,
    until_moment,
    until_text,
)
from core.services.schedule import cancel_pair
from core.services.wording import counted
from core.text import SHORT_TEXT_MAX, clean_int, clean_text

END_REASONS = {
    "goals": "goals reached",
    "fit": "not a good fit",
    "time": "no time right now",
    "other": "another reason",
}
REASON_MAX = 200  # stored as "other: <their words>", within the 300 characters a pair keeps


def _until(ctx: Context, day: date | None) -> datetime:
    if day is None:
        return INDEFINITELY
    if day <= local_today(ctx):
        raise InvalidInput("The pause must last until a future date.")
    zone = ZoneInfo(ctx.me().timezone)
    # "until 20 April" includes the 20th: the pause lifts at the next local midnight.
    return datetime.combine(day + timedelta(days=1), time(0, 0), zone).astimezone(UTC)


def _until_text(ctx: Context, until: datetime) -> str:
    return until_text(until, ctx.me().timezone)


async def _pause(
    ctx: Context, pair: Pair, until: datetime, *, resumable: bool = True
) -> list[Notice]:
    return await pause_pair(
        ctx.work,
        pair,
        until,
        ctx.me().name,
        today=local_today(ctx),
        resumable=resumable,
    )


async def _resume(ctx: Context, pair: Pair) -> list[Notice]:
    return await resume_pair(ctx.work, pair, ctx.me().name, today=local_today(ctx))


async def cmd_pause(ctx: Context, args: Mapping[str, Any]) -> Outcome:
    me = ctx.me()
    until = _until(ctx, args.get("until"))
    if args.get("pair") is not None:
        pair = await my_pair(ctx, args)
        require_status(pair, PairStatus.AGREEING, PairStatus.ACTIVE, doing="pause it")
        notices = await _pause(ctx, pair, until)
        text = f"Pair #{pair.id} is paused until {_until_text(ctx, until)}; your partner is told."
        return Outcome([Reply(text)], notices)
    if args.get("until") is None and args.get("confirm") != "yes":
        return Outcome([await _confirm_pausing_everything(ctx)])
    me.paused_until = until
    await ctx.uow.people.save(me)
    outcome = Outcome()
    paused = 0
    for pair in await open_pairs(ctx, ctx.my_id()):
        if pair.status in (PairStatus.AGREEING, PairStatus.ACTIVE):
            outcome.notices += await _pause(ctx, pair, until, resumable=False)
            paused += 1
    extra = f" Your {paused} pair{'s are' if paused != 1 else ' is'} paused too." if paused else ""
    outcome.replies.append(
        Reply(
            f"You're paused until {_until_text(ctx, until)}: "
            f"no reminders and no new matches.{extra}",
            title="Paused",
            choices=(Choice("Resume now", Action.command("resume").encode()),),
        )
    )
    return outcome


async def _confirm_pausing_everything(ctx: Context) -> Reply:
    """``pause`` alone stops everything until they resume: asked first (a stray or tapped
    "/pause" must not do it)."""
    pairs = [
        p
        for p in await open_pairs(ctx, ctx.my_id())
        if p.status in (PairStatus.AGREEING, PairStatus.ACTIVE)
    ]
    also = f" Your {counted(len(pairs), 'pair')} would be paused too." if pairs else ""
    return Reply(
        "Pause yourself until you resume? No reminders and no new matches until you send "
        f"`resume`.{also}\nTo pause until a date instead: `pause <YYYY-MM-DD>`; one pair: "
        "`pause pair=<number>`.",
        title="Pause everything?",
        choices=(
            Choice(
                "Pause until I resume",
                Action.command("pause", "confirm=yes").encode(),
                ChoiceStyle.DANGER,
            ),
        ),
    )


def _partner_away(ctx: Context, pair: Pair, away: Person) -> str:
    assert away.paused_until is not None
    return (
        f"Pair #{pair.id} stays paused: {away.name} paused themselves until "
        f"{until_moment(away.paused_until)}, and only they can lift their own pause. "
        "It resumes when they're back."
    )


async def cmd_resume(ctx: Context, args: Mapping[str, Any]) -> Outcome:
    me = ctx.me()
    if args.get("pair") is not None:
        pair = await my_pair(ctx, args)
        require_status(pair, PairStatus.PAUSED, doing="resume it")
        away = await still_away(ctx.work, pair, except_id=ctx.my_id())
        if away is not None:
            raise Conflict(_partner_away(ctx, pair, away))
        notices = await _resume(ctx, pair)
        return Outcome([Reply(f"Pair #{pair.id} is active again. Your partner is told.")], notices)
    was_paused = me.paused_until is not None
    me.paused_until = None
    await ctx.uow.people.save(me)
    outcome = Outcome()
    resumed = 0
    still_paused: list[str] = []
    for pair in await open_pairs(ctx, ctx.my_id()):
        if pair.status is not PairStatus.PAUSED:
            continue
        away = await still_away(ctx.work, pair, except_id=ctx.my_id())
        if away is not None:
            still_paused.append(_partner_away(ctx, pair, away))
            continue
        outcome.notices += await _resume(ctx, pair)
        resumed += 1
    if not was_paused and not resumed:
        raise Conflict("\n".join(still_paused) or "Nothing is paused.")
    text = "\n".join([f"Welcome back! {counted(resumed, 'pair')} resumed.", *still_paused])
    outcome.replies.append(Reply(text, title="Resumed"))
    return outcome


# --- ending ------------------------------------------------------------------------------


async def _ask_reason(ctx: Context, data: Data) -> Prompt:
    return Prompt(
        "Why are you ending this pair? Only coordinators see your reason; your partner "
        "gets a kind, neutral message.",
        choices=[(label.capitalize(), key) for key, label in END_REASONS.items()],
        free_text=False,
        title=f"Ending pair #{data['pair_id']}",
    )


async def _parse_reason(ctx: Context, data: Data, raw: str) -> str:
    if raw not in END_REASONS:
        raise InvalidInput("Please choose one of the reasons.")
    return raw


async def _ask_other_reason(ctx: Context, data: Data) -> Prompt:
    return Prompt("In a few words, what is the reason? Only coordinators see it.")


async def _parse_other_reason(ctx: Context, data: Data, raw: str) -> str:
    return clean_text(raw, what="reason", limit=REASON_MAX)


def _reason_text(data: Data) -> str:
    """The reason as coordinators read it: the chosen one, with the person's own words."""
    label = END_REASONS[data["reason"]]
    return f"{label}: {data['other_reason']}" if data.get("other_reason") else label


def _stored_reason(data: Data) -> str:
    """The reason's key as exports count it, with the person's own words for "other"."""
    return f"other: {data['other_reason']}" if data.get("other_reason") else data["reason"]


async def _ask_rating(ctx: Context, data: Data) -> Prompt:
    return Prompt(
        "Overall, how valuable was this mentoring, from 1 to 5?",
        choices=[(str(n), str(n)) for n in range(1, 6)],
    )


async def _parse_rating(ctx: Context, data: Data, raw: str) -> int:
    return clean_int(raw, what="rating", low=1, high=5)


async def _ask_comment(ctx: Context, data: Data) -> Prompt:
    return Prompt("Anything the coordinators should know? (only they see it)", optional=True)


async def _parse_comment(ctx: Context, data: Data, raw: str) -> str:
    return "" if raw == SKIP else clean_text(raw, what="comment", limit=SHORT_TEXT_MAX)


async def _ask_rematch(ctx: Context, data: Data) -> Prompt:
    question = (
        "Would you like a new mentor? People waiting for a rematch come first."
        if data["role"] == "mentee"
        else "Are you open to a new mentee?"
    )
    return Prompt(question, choices=[("Yes", "yes"), ("No", "no")], free_text=False)


async def _finish_end(ctx: Context, data: Data) -> Outcome:
    pair = await ctx.uow.pairs.get(int(data["pair_id"]))
    if pair is None or not pair.status.is_open or pair.status is PairStatus.AWAITING:
        raise Conflict("This pair has already ended.")
    assert pair.id is not None
    me, partner = ctx.my_id(), pair.partner_of(ctx.my_id())
    # No settling: the ended pair's periods stop at its end, and readers count them so.
    pair.status = PairStatus.ENDED
    pair.ended_at, pair.ended_by, pair.end_reason = ctx.now(), me, _stored_reason(data)
    pair.paused_until = None
    await ctx.uow.pairs.save(pair)
    await cancel_pair(ctx.work, pair)
    await ctx.uow.feedback.add(
        Feedback(
            pair.id,
            me,
            "closing",
            int(data["rating"]),
            ctx.now(),
            what_happened=data.get("comment", ""),
            reason=_stored_reason(data),
        )
    )
    program = await ctx.uow.programs.get(pair.program_id)
    assert program is not None
    my_name, partner_name = await names(ctx, me, partner)
    partner_is_mentee = partner == pair.mentee_id
    partner_choices = [
        Choice("Share feedback", Action.command("feedback", f"pair={pair.id}").encode())
    ]
    if partner_is_mentee:
        partner_choices.insert(
            0,
            Choice(
                "Find a new mentor",
                Action.command("rematch", f"program=#{program.id}").encode(),
                ChoiceStyle.PRIMARY,
            ),
        )
    outcome = Outcome()
    outcome.notices.append(
        Notice(
            partner,
            Reply(
                f"Your mentoring pair with {my_name} in {program.name} has come to a close. "
                "Thank you for the time you put in — it counts. "
                + (
                    "When you're ready, you can be matched with someone new; you'll come first."
                    if partner_is_mentee
                    else ""
                ),
                title="Mentoring pair closed",
                choices=tuple(partner_choices),
            ),
            key=f"pair:{pair.id}:ended:partner",
        )
    )
    if partner_is_mentee:
        await _mark_waiting(ctx, pair.program_id, partner, rematch=True, only_if_enrolled=True)
    comment = f" Comment: {data['comment']}" if data.get("comment") else ""
    outcome.notices += await notify_coordinators(
        ctx,
        program,
        Reply(
            f"Pair #{pair.id} ({my_name} & {partner_name}) was ended by {my_name}: "
            f"{_reason_text(data)}. Rating {data['rating']}/5.{comment}",
            title=program.name,
        ),
        key=f"pair:{pair.id}:ended",
    )
    replies = outcome.replies
    replies.append(
        Reply(
            f"Pair #{pair.id} is closed. {partner_name} has been told kindly; no reason is shared.",
            title="Pair ended",
        )
    )
    if data["rematch"] and me == pair.mentee_id:
        await _mark_waiting(ctx, pair.program_id, me, rematch=True)
        replies.append(
            Reply(
                "You're first in line for a new mentor. I'll let you know.",
                choices=(
                    Choice(
                        "See mentors", Action.command("mentors", f"program=#{program.id}").encode()
                    ),
                ),
            )
        )
    elif data["rematch"]:
        replies.append(Reply("Noted — your place is free for a new mentee."))
    return outcome


async def _mark_waiting(
    ctx: Context, program_id: int, person_id: int, *, rematch: bool, only_if_enrolled: bool = False
) -> None:
    """Puts the mentee in line (if not already)."""
    enrollment = await ctx.uow.enrollments.find(program_id, person_id, Role.MENTEE)
    if enrollment is None or not enrollment.active:
        if only_if_enrolled:
            return
        raise NotFound("You aren't a mentee in that program.")
    enrollment.waiting_since = enrollment.waiting_since or ctx.now()
    enrollment.rematch = rematch
    await ctx.uow.enrollments.save(enrollment)


END = Flow(
    name="end",
    title="ending",
    steps=(
        Step("reason", _ask_reason, _parse_reason),
        Step(
            "other_reason",
            _ask_other_reason,
            _parse_other_reason,
            when=lambda d: d.get("reason") == "other",
        ),
        Step("rating", _ask_rating, _parse_rating),
        Step("comment", _ask_comment, _parse_comment),
        Step("rematch", _ask_rematch, parse_yes_no),
    ),
    finish=_finish_end,
)


async def cmd_end(ctx: Context, args: Mapping[str, Any]) -> Outcome:
    pair = await my_pair(ctx, args)
    role = "mentee" if pair.mentee_id == ctx.my_id() else "mentor"
    return await ctx.dialogs.start(ctx, END.name, {"pair_id": pair.id, "role": role})


async def cmd_rematch(ctx: Context, args: Mapping[str, Any]) -> Outcome:
    program = await my_program(ctx, args, Role.MENTEE)
    assert program.id is not None
    if any(
        p.program_id == program.id and p.mentee_id == ctx.my_id()
        for p in await open_pairs(ctx, ctx.my_id())
    ):
        raise Conflict(f"You already have an open pair in {program.name}.")
    await _mark_waiting(ctx, program.id, ctx.my_id(), rematch=True)
    # The wait is named by the pairs it follows: asking again while waiting tells the
    # coordinators nothing new; a wait after the next pair is a new event.
    had = sum(p.program_id == program.id for p in await ctx.uow.pairs.of_person(ctx.my_id()))
    notices = await notify_coordinators(
        ctx,
        program,
        Reply(f"{ctx.me().name} asked for a rematch in {program.name}.", title=program.name),
        key=f"rematch:{program.id}:{ctx.my_id()}:after-pairs:{had}",
    )
    waiting = Reply(
        f"You're waiting for a new match in {program.name}, ahead of first-time requests.",
        choices=(
            Choice("See mentors", Action.command("mentors", f"program=#{program.id}").encode()),
        ),
    )
    return Outcome([waiting], notices)


# --- feedback ----------------------------------------------------------------------------


async def _ask_fb_rating(ctx: Context, data: Data) -> Prompt:
    what = "the relationship so far" if data["kind"] != "closing" else "the mentoring overall"
    return Prompt(
        f"How is {what}, from 1 (struggling) to 5 (great)?",
        choices=[(str(n), str(n)) for n in range(1, 6)],
        title={"pulse": "Quick pulse", "midpoint": "Midpoint review", "closing": "Closing survey"}[
            data["kind"]
        ],
    )


async def _ask_happened(ctx: Context, data: Data) -> Prompt:
    return Prompt(
        "What happened? Describe one concrete moment or behaviour "
        "(e.g. 'in our last call you walked me through your code review').",
        optional=True,
    )


async def _ask_effect(ctx: Context, data: Data) -> Prompt:
    return Prompt("What effect did it have? (e.g. 'I now review PRs twice as fast')", optional=True)


async def _ask_suggestion(ctx: Context, data: Data) -> Prompt:
    return Prompt("One suggestion for what to do next or differently?", optional=True)


async def _parse_specific(ctx: Context, data: Data, raw: str) -> str:
    if raw == SKIP:
        return ""
    text = clean_text(raw, what="answer", limit=SHORT_TEXT_MAX)
    if len(text.split()) < 3:
        raise InvalidInput(
            "Could you be a bit more specific? A short sentence helps your partner most."
        )
    return text


async def _finish_feedback(ctx: Context, data: Data) -> Outcome:
    pair = await ctx.uow.pairs.get(int(data["pair_id"]))
    assert pair is not None and pair.id is not None
    feedback = await ctx.uow.feedback.add(
        Feedback(
            pair.id,
            ctx.my_id(),
            data["kind"],
            int(data["rating"]),
            ctx.now(),
            what_happened=data.get("happened", ""),
            effect=data.get("effect", ""),
            suggestion=data.get("suggestion", ""),
        )
    )
    outcome = Outcome([Reply("Thank you — feedback saved.")])
    replies = outcome.replies
    has_text = any((feedback.what_happened, feedback.effect, feedback.suggestion))
    if data.get("shared") and has_text:
        lines = [
            f"What happened: {feedback.what_happened}" if feedback.what_happened else "",
            f"Effect: {feedback.effect}" if feedback.effect else "",
            f"Suggestion: {feedback.suggestion}" if feedback.suggestion else "",
        ]
        shared = Reply(
            "\n".join(line for line in lines if line), title=f"Feedback from {ctx.me().name}"
        )
        outcome.notices.append(
            Notice(pair.partner_of(ctx.my_id()), shared, key=f"feedback:{feedback.id}")
        )
        replies[0] = Reply("Thank you — feedback saved and sent to your partner.")
    if data.get("adjust"):
        replies.append(
            Reply(
                "Propose the changes; your partner confirms them.",
                choices=(
                    Choice("Adjust agreement", Action.command("agree", f"pair={pair.id}").encode()),
                ),
            )
        )
    return outcome


FEEDBACK = Flow(
    name="feedback",
    title="feedback",
    steps=(
        Step("rating", _ask_fb_rating, _parse_rating),
        Step("happened", _ask_happened, _parse_specific),
        Step("effect", _ask_effect, _parse_specific),
        Step("suggestion", _ask_suggestion, _parse_specific),
        two_choice_step(
            "adjust",
            lambda d: f"{d.get('where', '')}Does your agreement still fit?",
            ("Keep it as is", "keep"),
            ("Let's adjust it", "adjust"),
            true_when="adjust",
            error="Choose 'keep' or 'adjust'.",
            when=lambda d: d["kind"] == "midpoint",
        ),
        two_choice_step(
            "shared",
            "Send this feedback to your partner? Coordinators only ever see the rating.",
            ("Send to my partner", "shared"),
            ("Keep it private", "private"),
            true_when="shared",
            error="Choose whether to send it or keep it private.",
            when=lambda d: d["kind"] != "closing",
        ),
    ),
    finish=_finish_feedback,
)


async def cmd_feedback(ctx: Context, args: Mapping[str, Any]) -> Outcome:
    statuses = (PairStatus.AGREEING, PairStatus.ACTIVE, PairStatus.PAUSED, PairStatus.ENDED)
    pair = (
        await my_pair(ctx, args, statuses=statuses) if args.get("pair") else await _latest_pair(ctx)
    )
    kind = "closing" if pair.status is PairStatus.ENDED else "pulse"
    return await ctx.dialogs.start(ctx, FEEDBACK.name, {"pair_id": pair.id, "kind": kind})


async def _latest_pair(ctx: Context) -> Pair:
    pairs = [p for p in await ctx.uow.pairs.of_person(ctx.my_id()) if p.status.was_matched]
    if not pairs:
        raise NotFound("You don't have a mentoring pair to give feedback on.")
    live = [p for p in pairs if p.status is not PairStatus.ENDED]
    if len(live) > 1:
        raise InvalidInput("You have several pairs; which one?", hint="Add `pair=<number>`.")
    return live[0] if live else pairs[-1]


async def cmd_review(ctx: Context, args: Mapping[str, Any]) -> Outcome:
    pair = await my_pair(ctx, args)
    agreement = await agreement_in_force(ctx, pair)
    where = _where_in(agreement, local_today(ctx)) if agreement is not None else ""
    data = {"pair_id": pair.id, "kind": "midpoint", "where": where}
    return await ctx.dialogs.start(ctx, FEEDBACK.name, data)


def _where_in(agreement: Agreement, today: date) -> str:
    """Where the pair stands in its agreement, in weeks: a review may come at any time."""
    total = -(-(agreement.ends_on - agreement.starts_on).days // 7)
    if today < agreement.starts_on:
        return f"Your agreement starts {fmt_day(agreement.starts_on)}. "
    if today >= agreement.ends_on:
        return f"Your agreement reached its end date, {fmt_day(agreement.ends_on)}. "
    week = (today - agreement.starts_on).days // 7 + 1
    return f"You're in week {week} of {total}. "


def lifecycle_commands() -> list[CommandSpec]:
    until = Arg("until", ArgKind.DATE, "last day of the pause (YYYY-MM-DD)", required=False)
    return [
        CommandSpec(
            "pause",
            "Pause yourself, or one of your pairs, until a date",
            cmd_pause,
            args=(
                until,
                PAIR_OPT,
                Arg(
                    "confirm",
                    ArgKind.CHOICE,
                    "yes: pause everything without asking first",
                    choices=("yes",),
                    required=False,
                    named_only=True,
                ),
            ),
            examples=("pause 2026-04-20", "pause pair=3"),
            group="Your mentoring",
        ),
        CommandSpec(
            "resume",
            "Resume yourself, or one of your pairs",
            cmd_resume,
            args=(PAIR_OPT,),
            group="Your mentoring",
        ),
        CommandSpec(
            "end",
            "End a pair privately, with a reason",
            cmd_end,
            args=(PAIR_OPT,),
            group="Your mentoring",
        ),
        CommandSpec(
            "rematch",
            "Ask to be matched with a new mentor",
            cmd_rematch,
            args=(PROGRAM_OPT,),
            group="Your mentoring",
        ),
        CommandSpec(
            "feedback",
            "Give feedback on your pair",
            cmd_feedback,
            args=(PAIR_OPT,),
            group="Your mentoring",
        ),
        CommandSpec(
            "review",
            "The midpoint review of your agreement",
            cmd_review,
            args=(PAIR_OPT,),
            group="Your mentoring",
        ),
    ]
