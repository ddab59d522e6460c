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
from core.i18n import N_, _, n_
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
from core.text import SHORT_TEXT_MAX, clean_int, clean_text

# Why a pair ends: the key is stored (exports count it); the words are shown.
END_REASONS = {
    # Translators: a reason a pair ended, as coordinators read it (lower case, in a sentence).
    "goals": _("goals reached"),
    "fit": _("not a good fit"),
    "time": _("no time right now"),
    "other": _("another reason"),
}
END_REASON_BUTTONS = {
    # Translators: a button: a reason to end a pair.
    "goals": _("Goals reached"),
    "fit": _("Not a good fit"),
    "time": _("No time right now"),
    "other": _("Another reason"),
}
REASON_MAX = 200  # stored as "other: <their words>", within the 300 characters a pair keeps


def _until(ctx: Context, day: date | None) -> datetime:
    if day is None:
        return INDEFINITELY
    if day <= local_today(ctx):
        raise InvalidInput(_("The pause must last until a future date."))
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
        require_status(pair, PairStatus.AGREEING, PairStatus.ACTIVE, refused=_cannot_pause)
        notices = await _pause(ctx, pair, until)
        text = _(
            "Pair #{pair} is paused until {until}; your partner is told.",
            pair=pair.id or 0,
            until=_until_text(ctx, until),
        )
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
    text = _(
        "You're paused until {until}: no reminders and no new matches.",
        until=_until_text(ctx, until),
    )
    if paused:
        text += " " + n_(
            "Your {count} pair is paused too.", "Your {count} pairs are paused too.", paused
        )
    outcome.replies.append(
        Reply(
            text,
            title=_("Paused"),
            # Translators: a button.
            choices=(Choice(_("Resume now"), Action.command("resume").encode()),),
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
    text = _(
        "Pause yourself until you resume? No reminders and no new matches until you send `resume`."
    )
    if pairs:
        text += " " + n_(
            "Your {count} pair would be paused too.",
            "Your {count} pairs would be paused too.",
            len(pairs),
        )
    instead = _(
        "To pause until a date instead: `pause <YYYY-MM-DD>`; one pair: `pause pair=<number>`."
    )
    return Reply(
        f"{text}\n{instead}",
        title=_("Pause everything?"),
        choices=(
            Choice(
                # Translators: a button.
                _("Pause until I resume"),
                Action.command("pause", "confirm=yes").encode(),
                ChoiceStyle.DANGER,
            ),
        ),
    )


def _partner_away(ctx: Context, pair: Pair, away: Person) -> str:
    assert away.paused_until is not None
    return _(
        "Pair #{pair} stays paused: {name} paused themselves until {until}, and only they can "
        "lift their own pause. It resumes when they're back.",
        pair=pair.id or 0,
        name=away.name,
        until=until_moment(away.paused_until),
    )


async def cmd_resume(ctx: Context, args: Mapping[str, Any]) -> Outcome:
    me = ctx.me()
    if args.get("pair") is not None:
        pair = await my_pair(ctx, args)
        require_status(pair, PairStatus.PAUSED, refused=_cannot_resume)
        away = await still_away(ctx.work, pair, except_id=ctx.my_id())
        if away is not None:
            raise Conflict(_partner_away(ctx, pair, away))
        notices = await _resume(ctx, pair)
        return Outcome(
            [Reply(_("Pair #{pair} is active again. Your partner is told.", pair=pair.id or 0))],
            notices,
        )
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
        raise Conflict("\n".join(still_paused) or _("Nothing is paused."))
    welcome = n_(
        "Welcome back! {count} pair resumed.", "Welcome back! {count} pairs resumed.", resumed
    )
    text = "\n".join([welcome, *still_paused])
    outcome.replies.append(Reply(text, title=_("Resumed")))
    return outcome


# --- ending ------------------------------------------------------------------------------


async def _ask_reason(ctx: Context, data: Data) -> Prompt:
    return Prompt(
        _(
            "Why are you ending this pair? Only coordinators see your reason; your partner "
            "gets a kind, neutral message."
        ),
        choices=[(label, key) for key, label in END_REASON_BUTTONS.items()],
        free_text=False,
        title=_("Ending pair #{pair}", pair=int(data["pair_id"])),
    )


async def _parse_reason(ctx: Context, data: Data, raw: str) -> str:
    if raw not in END_REASONS:
        raise InvalidInput(_("Please choose one of the reasons."))
    return raw


async def _ask_other_reason(ctx: Context, data: Data) -> Prompt:
    return Prompt(_("In a few words, what is the reason? Only coordinators see it."))


async def _parse_other_reason(ctx: Context, data: Data, raw: str) -> str:
    return clean_text(raw, what=_("reason"), limit=REASON_MAX)


def _reason_text(data: Data) -> str:
    """The reason as coordinators read it: the chosen one, with the person's own words."""
    label = END_REASONS[data["reason"]]
    if not data.get("other_reason"):
        return label
    # Translators: a reason a pair ended, then the words its author gave.
    return _("{reason}: {words}", reason=label, words=data["other_reason"])


def _stored_reason(data: Data) -> str:
    """The reason's key as exports count it, with the person's own words for "other"."""
    return f"other: {data['other_reason']}" if data.get("other_reason") else data["reason"]


async def _ask_rating(ctx: Context, data: Data) -> Prompt:
    return Prompt(
        _("Overall, how valuable was this mentoring, from 1 to 5?"),
        choices=[(str(n), str(n)) for n in range(1, 6)],
    )


async def _parse_rating(ctx: Context, data: Data, raw: str) -> int:
    return clean_int(raw, what=_("rating"), low=1, high=5)


async def _ask_comment(ctx: Context, data: Data) -> Prompt:
    return Prompt(_("Anything the coordinators should know? (only they see it)"), optional=True)


async def _parse_comment(ctx: Context, data: Data, raw: str) -> str:
    return "" if raw == SKIP else clean_text(raw, what=_("comment"), limit=SHORT_TEXT_MAX)


async def _ask_rematch(ctx: Context, data: Data) -> Prompt:
    question = (
        _("Would you like a new mentor? People waiting for a rematch come first.")
        if data["role"] == "mentee"
        else _("Are you open to a new mentee?")
    )
    # Translators: buttons answering the question.
    choices = [(_("Yes"), "yes"), (_("No"), "no")]
    return Prompt(question, choices=choices, free_text=False)


async def _finish_end(ctx: Context, data: Data) -> Outcome:
    pair = await ctx.uow.pairs.get(int(data["pair_id"]))
    if pair is None or not pair.status.is_open or pair.status is PairStatus.AWAITING:
        raise Conflict(_("This pair has already ended."))
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
        # Translators: a button.
        Choice(_("Share feedback"), Action.command("feedback", f"pair={pair.id}").encode())
    ]
    if partner_is_mentee:
        partner_choices.insert(
            0,
            Choice(
                # Translators: a button.
                _("Find a new mentor"),
                Action.command("rematch", f"program=#{program.id}").encode(),
                ChoiceStyle.PRIMARY,
            ),
        )
    outcome = Outcome()
    outcome.notices.append(
        Notice(
            partner,
            Reply(
                _(
                    "Your mentoring pair with {name} in {program} has come to a close. Thank "
                    "you for the time you put in — it counts. When you're ready, you can be "
                    "matched with someone new; you'll come first.",
                    name=my_name,
                    program=program.name,
                )
                if partner_is_mentee
                else _(
                    "Your mentoring pair with {name} in {program} has come to a close. Thank "
                    "you for the time you put in — it counts.",
                    name=my_name,
                    program=program.name,
                ),
                title=_("Mentoring pair closed"),
                choices=tuple(partner_choices),
            ),
            key=f"pair:{pair.id}:ended:partner",
        )
    )
    if partner_is_mentee:
        await _mark_waiting(ctx, pair.program_id, partner, rematch=True, only_if_enrolled=True)
    ended = _(
        "Pair #{pair} ({name} & {partner}) was ended by {name}: {reason}. Rating {rating}/5.",
        pair=pair.id,
        name=my_name,
        partner=partner_name,
        reason=_reason_text(data),
        rating=int(data["rating"]),
    )
    if data.get("comment"):
        ended += " " + _("Comment: {comment}", comment=data["comment"])
    outcome.notices += await notify_coordinators(
        ctx, program, Reply(ended, title=program.name), key=f"pair:{pair.id}:ended"
    )
    replies = outcome.replies
    replies.append(
        Reply(
            _(
                "Pair #{pair} is closed. {partner} has been told kindly; no reason is shared.",
                pair=pair.id,
                partner=partner_name,
            ),
            title=_("Pair ended"),
        )
    )
    if data["rematch"] and me == pair.mentee_id:
        await _mark_waiting(ctx, pair.program_id, me, rematch=True)
        replies.append(
            Reply(
                _("You're first in line for a new mentor. I'll let you know."),
                choices=(
                    Choice(
                        # Translators: a button.
                        _("See mentors"),
                        Action.command("mentors", f"program=#{program.id}").encode(),
                    ),
                ),
            )
        )
    elif data["rematch"]:
        replies.append(Reply(_("Noted — your place is free for a new mentee.")))
    return outcome


async def _mark_waiting(
    ctx: Context, program_id: int, person_id: int, *, rematch: bool, only_if_enrolled: bool = False
) -> None:
    """Puts the mentee in line (if not already)."""
    enrollment = await ctx.uow.enrollments.find(program_id, person_id, Role.MENTEE)
    if enrollment is None or not enrollment.active:
        if only_if_enrolled:
            return
        raise NotFound(_("You aren't a mentee in that program."))
    enrollment.waiting_since = enrollment.waiting_since or ctx.now()
    enrollment.rematch = rematch
    await ctx.uow.enrollments.save(enrollment)


END = Flow(
    name="end",
    # Translators: a conversation's name, as in "You're in the middle of ending".
    title=N_("ending"),
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
        raise Conflict(_("You already have an open pair in {program}.", program=program.name))
    await _mark_waiting(ctx, program.id, ctx.my_id(), rematch=True)
    # The wait is named by the pairs it follows: asking again while waiting tells the
    # coordinators nothing new; a wait after the next pair is a new event.
    had = sum(p.program_id == program.id for p in await ctx.uow.pairs.of_person(ctx.my_id()))
    notices = await notify_coordinators(
        ctx,
        program,
        Reply(
            _(
                "{name} asked for a rematch in {program}.",
                name=ctx.me().name,
                program=program.name,
            ),
            title=program.name,
        ),
        key=f"rematch:{program.id}:{ctx.my_id()}:after-pairs:{had}",
    )
    waiting = Reply(
        _(
            "You're waiting for a new match in {program}, ahead of first-time requests.",
            program=program.name,
        ),
        choices=(
            # Translators: a button.
            Choice(_("See mentors"), Action.command("mentors", f"program=#{program.id}").encode()),
        ),
    )
    return Outcome([waiting], notices)


# --- feedback ----------------------------------------------------------------------------


async def _ask_fb_rating(ctx: Context, data: Data) -> Prompt:
    question = (
        _("How is the relationship so far, from 1 (struggling) to 5 (great)?")
        if data["kind"] != "closing"
        else _("How is the mentoring overall, from 1 (struggling) to 5 (great)?")
    )
    titles = {
        # Translators: the title of a short feedback survey.
        "pulse": _("Quick pulse"),
        "midpoint": _("Midpoint review"),
        "closing": _("Closing survey"),
    }
    return Prompt(
        question, choices=[(str(n), str(n)) for n in range(1, 6)], title=titles[data["kind"]]
    )


async def _ask_happened(ctx: Context, data: Data) -> Prompt:
    return Prompt(
        _(
            "What happened? Describe one concrete moment or behaviour "
            "(e.g. 'in our last call you walked me through your code review')."
        ),
        optional=True,
    )


async def _ask_effect(ctx: Context, data: Data) -> Prompt:
    return Prompt(
        _("What effect did it have? (e.g. 'I now review PRs twice as fast')"), optional=True
    )


async def _ask_suggestion(ctx: Context, data: Data) -> Prompt:
    return Prompt(_("One suggestion for what to do next or differently?"), optional=True)


async def _parse_specific(ctx: Context, data: Data, raw: str) -> str:
    if raw == SKIP:
        return ""
    text = clean_text(raw, what=_("answer"), limit=SHORT_TEXT_MAX)
    if len(text.split()) < 3:
        raise InvalidInput(
            _("Could you be a bit more specific? A short sentence helps your partner most.")
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
    outcome = Outcome([Reply(_("Thank you — feedback saved."))])
    replies = outcome.replies
    has_text = any((feedback.what_happened, feedback.effect, feedback.suggestion))
    if data.get("shared") and has_text:
        lines = [
            _("What happened: {text}", text=feedback.what_happened)
            if feedback.what_happened
            else "",
            _("Effect: {text}", text=feedback.effect) if feedback.effect else "",
            _("Suggestion: {text}", text=feedback.suggestion) if feedback.suggestion else "",
        ]
        shared = Reply(
            "\n".join(line for line in lines if line),
            title=_("Feedback from {name}", name=ctx.me().name),
        )
        outcome.notices.append(
            Notice(pair.partner_of(ctx.my_id()), shared, key=f"feedback:{feedback.id}")
        )
        replies[0] = Reply(_("Thank you — feedback saved and sent to your partner."))
    if data.get("adjust"):
        replies.append(
            Reply(
                _("Propose the changes; your partner confirms them."),
                choices=(
                    # Translators: a button.
                    Choice(
                        _("Adjust agreement"), Action.command("agree", f"pair={pair.id}").encode()
                    ),
                ),
            )
        )
    return outcome


def _still_fits(data: Data) -> str:
    question = _("Does your agreement still fit?")
    where = data.get("where", "")
    return f"{where} {question}" if where else question


FEEDBACK = Flow(
    name="feedback",
    # Translators: a conversation's name, as in "You're in the middle of feedback".
    title=N_("feedback"),
    steps=(
        Step("rating", _ask_fb_rating, _parse_rating),
        Step("happened", _ask_happened, _parse_specific),
        Step("effect", _ask_effect, _parse_specific),
        Step("suggestion", _ask_suggestion, _parse_specific),
        two_choice_step(
            "adjust",
            _still_fits,
            # Translators: buttons.
            (_("Keep it as is"), "keep"),
            (_("Let's adjust it"), "adjust"),
            true_when="adjust",
            # Translators: keep and adjust are typed as they are: keep them.
            error=_("Choose 'keep' or 'adjust'."),
            when=lambda d: d["kind"] == "midpoint",
        ),
        two_choice_step(
            "shared",
            _("Send this feedback to your partner? Coordinators only ever see the rating."),
            # Translators: buttons.
            (_("Send to my partner"), "shared"),
            (_("Keep it private"), "private"),
            true_when="shared",
            error=_("Choose whether to send it or keep it private."),
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
        raise NotFound(_("You don't have a mentoring pair to give feedback on."))
    live = [p for p in pairs if p.status is not PairStatus.ENDED]
    if len(live) > 1:
        raise InvalidInput(_("You have several pairs; which one?"), hint=_("Add `pair=<number>`."))
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
        return _("Your agreement starts {day}.", day=fmt_day(agreement.starts_on))
    if today >= agreement.ends_on:
        return _("Your agreement reached its end date, {day}.", day=fmt_day(agreement.ends_on))
    week = (today - agreement.starts_on).days // 7 + 1
    return _("You're in week {week} of {total}.", week=week, total=total)


def lifecycle_commands() -> list[CommandSpec]:
    until = Arg("until", ArgKind.DATE, N_("last day of the pause (YYYY-MM-DD)"), required=False)
    return [
        CommandSpec(
            "pause",
            N_("Pause yourself, or one of your pairs, until a date"),
            cmd_pause,
            args=(
                until,
                PAIR_OPT,
                Arg(
                    "confirm",
                    ArgKind.CHOICE,
                    N_("yes: pause everything without asking first"),
                    choices=("yes",),
                    required=False,
                    named_only=True,
                ),
            ),
            examples=("pause 2026-04-20", "pause pair=3"),
            group=N_("Your mentoring"),
        ),
        CommandSpec(
            "resume",
            N_("Resume yourself, or one of your pairs"),
            cmd_resume,
            args=(PAIR_OPT,),
            group=N_("Your mentoring"),
        ),
        CommandSpec(
            "end",
            N_("End a pair privately, with a reason"),
            cmd_end,
            args=(PAIR_OPT,),
            group=N_("Your mentoring"),
        ),
        CommandSpec(
            "rematch",
            N_("Ask to be matched with a new mentor"),
            cmd_rematch,
            args=(PROGRAM_OPT,),
            group=N_("Your mentoring"),
        ),
        CommandSpec(
            "feedback",
            N_("Give feedback on your pair"),
            cmd_feedback,
            args=(PAIR_OPT,),
            group=N_("Your mentoring"),
        ),
        CommandSpec(
            "review",
            N_("The midpoint review of your agreement"),
            cmd_review,
            args=(PAIR_OPT,),
            group=N_("Your mentoring"),
        ),
    ]


def _cannot_pause(pair: int, status: str) -> str:
    return _("Pair #{pair} is {status}, so you can't pause it now.", pair=pair, status=status)


def _cannot_resume(pair: int, status: str) -> str:
    return _("Pair #{pair} is {status}, so you can't resume it now.", pair=pair, status=status)
