"""The agreement: expectations set early, in force only when both sides confirm.

Either side proposes (a dialog); the other confirms or counter-proposes (the same dialog,
each step offering to keep the proposal's value). Every change is a new version.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from core.commands.common import (
    PAIR_OPT,
    agreement_in_force,
    fmt_day,
    local_today,
    my_pair,
    names,
    pending_proposal,
    require_status,
)
from core.commands.programs import cadence_label, parse_cadence
from core.commands.relay import RELAY_CHANNEL
from core.context import Context
from core.dialogs import Data, Flow, Prompt, Step
from core.errors import Conflict, InvalidInput, NotFound
from core.i18n import N_, _, day, is_deferred, n_, said
from core.messages import Action, Choice, ChoiceStyle, Field, Notice, Outcome, Reply
from core.model import Agreement, Mode, PairStatus, Role
from core.registry import CommandSpec
from core.services.schedule import schedule_pair
from core.text import SHORT_TEXT_MAX, clean_date, clean_int, clean_text

KEEP = "=keep"
# Stored as written (in English) on the agreement; shown in each reader's language.
CONFIDENTIALITY = {
    "private": N_("Everything we discuss stays between us"),
    "summaries": N_("Coordinators may see that we met, never what we said"),
}
HERE_IN_CHAT = N_("here in chat")
# The places to talk offered as buttons, stored as written: relay.py compares the channel.
OFFERED_CHANNELS = (HERE_IN_CHAT, N_("messages relayed by mentorhub"))
assert RELAY_CHANNEL in OFFERED_CHANNELS


LIVE_MODES = (Mode.CHAT.value, Mode.CALL.value)


def shown_term(value: str, offered: tuple[str, ...] | Mapping[str, str]) -> str:
    """A stored term as the reader reads it: one we offered is said in their language,
    one a person wrote stays as they wrote it."""
    known = offered.values() if isinstance(offered, Mapping) else offered
    return said(value) if value in known else value


def agreement_fields(agreement: Agreement) -> tuple[Field, ...]:
    minutes = agreement.meeting_minutes
    meetings = (
        (Field(_("Meetings"), n_("{count} minute", "{count} minutes", minutes)),)
        if agreement.mode.value in LIVE_MODES
        else ()
    )
    channel = shown_term(agreement.channel, OFFERED_CHANNELS)
    timeline = _(
        "{start} to {end}", start=fmt_day(agreement.starts_on), end=fmt_day(agreement.ends_on)
    )
    hours = agreement.response_hours
    return (
        Field(_("Goals"), agreement.goals),
        # Translators: a field label: how often the partners check in
        Field(_("Check-ins"), cadence_label(agreement.cadence_days)),
        Field(_("How we talk"), f"{agreement.mode.value} — {channel}"),
        *meetings,
        Field(_("Timeline"), timeline),
        Field(_("Midpoint review"), fmt_day(agreement.midpoint_on)),
        Field(_("We answer within"), n_("{count} hour", "{count} hours", hours)),
        Field(_("Confidentiality"), shown_term(agreement.confidentiality, CONFIDENTIALITY)),
    )


def changes_between(before: Agreement, after: Agreement) -> list[str]:
    """What a new version changes, one line per field, with the value it replaces."""
    old = {f.label: f.value for f in agreement_fields(before)}
    new = {f.label: f.value for f in agreement_fields(after)}
    lines = []
    for label in dict.fromkeys([*new, *old]):
        if old.get(label) == new.get(label):
            continue
        if label not in new:
            lines.append(_("{field}: dropped (was {old})", field=label, old=old[label]))
        elif label not in old:
            lines.append(_("{field}: {new} (new)", field=label, new=new[label]))
        else:
            lines.append(
                _("{field}: {new} (was {old})", field=label, new=new[label], old=old[label])
            )
    return lines


def _step_title(data: Data, key: str) -> str:
    """'(k/n)': the step's place among those this proposal asks. Only live modes have a
    meeting length to ask, so n grows by one once such a mode is chosen."""
    asked = [step.key for step in AGREEMENT.steps if step.key == key or step.is_asked(data)]
    return f"({asked.index(key) + 1}/{len(asked)})"


def _keep(data: Data, key: str, value: str) -> list[tuple[str, str]]:
    if key not in (data.get("base") or {}):
        return []
    shown = value if is_deferred(value) else value[:54]  # a label of at most 60 in English
    # Translators: a button keeping the value proposed before, e.g. "Keep: weekly"
    return [(_("Keep: {value}", value=shown), KEEP)]


def _kept(data: Data, key: str, raw: str) -> Any:
    return (data.get("base") or {}).get(key) if raw == KEEP else None


async def _ask_goals(ctx: Context, data: Data) -> Prompt:
    base = data.get("base") or {}
    choices = _keep(data, "goals", str(base.get("goals", "")))
    if not choices and data.get("mentee_goals"):
        choices = [(_("Use the mentee's goals"), "=mentee")]
    return Prompt(
        _(
            "What do you want to achieve together? Concrete goals work best, e.g. "
            "'ship a portfolio site; practise two mock interviews'."
        ),
        choices=choices,
        title=_(
            "Agreement for pair #{pair} {step}",
            pair=int(data["pair_id"]),
            step=_step_title(data, "goals"),
        ),
        label=_("Goals"),
        hint=_(
            "What you want to achieve together, for example: ship a portfolio site; "
            "practise two mock interviews."
        ),
    )


async def _parse_goals(ctx: Context, data: Data, raw: str) -> str:
    if (kept := _kept(data, "goals", raw)) is not None:
        return str(kept)
    if raw == "=mentee":
        return str(data["mentee_goals"])
    # Translators: the agreement's goals, named in "The {what} can't be empty." and the like
    return clean_text(raw, what=_("goals"), limit=SHORT_TEXT_MAX)


async def _ask_cadence(ctx: Context, data: Data) -> Prompt:
    base = data.get("base") or {}
    keep = _keep(data, "cadence_days", cadence_label(int(base.get("cadence_days", 14))))
    return Prompt(
        _("How often do you check in? (or type a number of days)"),
        # Translators: a form field label: how often the partners check in
        label=_("Check-ins"),
        hint=_("How often you check in. Choose Other for a number of days."),
        choices=[
            *keep,
            (_("Weekly"), "weekly"),
            (_("Every two weeks"), "biweekly"),
            (_("Monthly"), "monthly"),
        ],
        title=_step_title(data, "cadence_days"),
    )


async def _parse_cadence(ctx: Context, data: Data, raw: str) -> int:
    kept = _kept(data, "cadence_days", raw)
    return int(kept) if kept is not None else parse_cadence(raw)


async def _ask_mode(ctx: Context, data: Data) -> Prompt:
    base = data.get("base") or {}
    keep = _keep(data, "mode", str(base.get("mode", "")))
    return Prompt(
        _("How will you mostly talk?"),
        choices=[
            *keep,
            (_("Written check-ins"), "async"),
            (_("Live chat"), "chat"),
            (_("Calls"), "call"),
        ],
        free_text=False,
        label=_("How you mostly talk"),
        title=_step_title(data, "mode"),
    )


async def _parse_mode(ctx: Context, data: Data, raw: str) -> str:
    if (kept := _kept(data, "mode", raw)) is not None:
        return str(kept)
    try:
        return Mode(raw.strip().lower()).value
    except ValueError as exc:
        # Translators: async, chat and call are typed as they are
        raise InvalidInput(_("Choose async, chat or call.")) from exc


async def _ask_channel(ctx: Context, data: Data) -> Prompt:
    base = data.get("base") or {}
    keep = _keep(data, "channel", shown_term(str(base.get("channel", "")), OFFERED_CHANNELS))
    return Prompt(
        _("Where? e.g. 'here in chat', 'video call, link in DM'."),
        choices=[
            *keep,
            (_("Here in chat"), HERE_IN_CHAT),
            (_("Messages relayed by mentorhub"), RELAY_CHANNEL),
        ],
        label=_("Where you talk"),
        hint=_("Choose Other to name a place, for example: video call, link in DM."),
        title=_step_title(data, "channel"),
    )


async def _parse_channel(ctx: Context, data: Data, raw: str) -> str:
    kept = _kept(data, "channel", raw)
    return str(kept) if kept is not None else clean_text(raw, what=_("channel"), limit=120)


async def _ask_minutes(ctx: Context, data: Data) -> Prompt:
    base = data.get("base") or {}
    # Translators: a meeting's length in minutes, on a button
    minutes = _("{minutes} min", minutes=str(base.get("meeting_minutes")))
    keep = _keep(data, "meeting_minutes", minutes)
    return Prompt(
        _("How long is a typical meeting, in minutes?"),
        choices=[*keep, ("15", "15"), ("30", "30"), ("45", "45"), ("60", "60")],
        label=_("Meeting length (minutes)"),
        hint=_("Choose Other for another number of minutes."),
        title=_step_title(data, "meeting_minutes"),
    )


async def _parse_minutes(ctx: Context, data: Data, raw: str) -> int:
    kept = _kept(data, "meeting_minutes", raw)
    return (
        int(kept) if kept is not None else clean_int(raw, what=_("meeting length"), low=5, high=240)
    )


async def _ask_start(ctx: Context, data: Data) -> Prompt:
    today = local_today(ctx)
    monday = today + timedelta(days=(7 - today.weekday()) % 7 or 7)
    base = data.get("base") or {}
    keep = _keep(data, "starts_on", str(base.get("starts_on", "")))
    today_shown, monday_shown = day(today, short=True), day(monday, short=True)
    return Prompt(
        _("When do you start? (YYYY-MM-DD)"),
        label=_("Start date"),
        hint=_("Choose Other for another day, written as YYYY-MM-DD."),
        choices=[
            *keep,
            # Translators: a button; the day is written like "07 Dec"
            (_("Today ({day})", day=today_shown), today.isoformat()),
            # Translators: a button; the day is written like "14 Dec"
            (_("Monday {day}", day=monday_shown), monday.isoformat()),
        ],
        title=_step_title(data, "starts_on"),
    )


async def _parse_start(ctx: Context, data: Data, raw: str) -> str:
    if (kept := _kept(data, "starts_on", raw)) is not None:
        return str(kept)
    start = clean_date(raw)
    if start < local_today(ctx) - timedelta(days=7):
        raise InvalidInput(_("The start can't be more than a week in the past."))
    return start.isoformat()


async def _ask_end(ctx: Context, data: Data) -> Prompt:
    weeks = int(data.get("default_weeks", 12))
    base = data.get("base") or {}
    keep = _keep(data, "ends_on", str(base.get("ends_on", "")))
    return Prompt(
        _(
            "For how long? Pick a length or type an end date (YYYY-MM-DD). "
            "The midpoint review is set halfway."
        ),
        # Translators: a form field label: how long the mentoring lasts
        label=_("Length"),
        hint=_(
            "The midpoint review is set halfway. Choose Other for an end date (YYYY-MM-DD) "
            "or a number of weeks (10w)."
        ),
        choices=[
            *keep,
            (n_("{count} week", "{count} weeks", weeks), f"{weeks}w"),
            (n_("{count} week", "{count} weeks", 8), "8w"),
            (n_("{count} month", "{count} months", 6), "26w"),
        ],
        title=_step_title(data, "ends_on"),
    )


async def _parse_end(ctx: Context, data: Data, raw: str) -> str:
    if (kept := _kept(data, "ends_on", raw)) is not None:
        return str(kept)
    start = date.fromisoformat(data["starts_on"])
    if raw.strip().lower().endswith("w") and raw.strip()[:-1].isdigit():
        weeks = clean_int(raw.strip()[:-1], what=_("length in weeks"), low=1, high=104)
        return (start + timedelta(weeks=weeks)).isoformat()
    end = clean_date(raw)
    cadence = int(data["cadence_days"])
    if end < start + timedelta(days=cadence):
        raise InvalidInput(
            n_(
                "The end must be at least one check-in ({count} day) after the start.",
                "The end must be at least one check-in ({count} days) after the start.",
                cadence,
            )
        )
    return end.isoformat()


async def _ask_response(ctx: Context, data: Data) -> Prompt:
    base = data.get("base") or {}
    hours = int(base.get("response_hours") or 0)
    keep = _keep(data, "response_hours", n_("{count} hour", "{count} hours", hours))
    return Prompt(
        _("How quickly do you each answer messages, in hours?"),
        label=_("Time to answer messages (hours)"),
        hint=_("Choose Other for another number of hours."),
        choices=[
            *keep,
            (n_("{count} hour", "{count} hours", 24), "24"),
            (n_("{count} hour", "{count} hours", 48), "48"),
            (n_("{count} hour", "{count} hours", 72), "72"),
        ],
        title=_step_title(data, "response_hours"),
    )


async def _parse_response(ctx: Context, data: Data, raw: str) -> int:
    kept = _kept(data, "response_hours", raw)
    return (
        int(kept)
        if kept is not None
        else clean_int(raw.removesuffix("h"), what=_("answer time"), low=1, high=336)
    )


async def _ask_confidentiality(ctx: Context, data: Data) -> Prompt:
    base = data.get("base") or {}
    terms = shown_term(str(base.get("confidentiality", "")), CONFIDENTIALITY)
    keep = _keep(data, "confidentiality", terms)
    return Prompt(
        _("And confidentiality? Tap one or write your own."),
        label=_("Confidentiality"),
        hint=_("Choose Other for terms of your own."),
        choices=[*keep, *((said(offered), key) for key, offered in CONFIDENTIALITY.items())],
        title=_step_title(data, "confidentiality"),
    )


async def _parse_confidentiality(ctx: Context, data: Data, raw: str) -> str:
    if (kept := _kept(data, "confidentiality", raw)) is not None:
        return str(kept)
    return CONFIDENTIALITY.get(raw) or clean_text(raw, what=_("confidentiality"), limit=300)


async def _finish_proposal(ctx: Context, data: Data) -> Outcome:
    pair = await ctx.uow.pairs.get(int(data["pair_id"]))
    if pair is None or not pair.has(ctx.my_id()):
        raise NotFound(_("That pair no longer exists."))
    require_status(
        pair,
        PairStatus.AGREEING,
        PairStatus.ACTIVE,
        PairStatus.PAUSED,
        refused=lambda pair, status: _(
            "Pair #{pair} is {status}, so you can't propose an agreement now.",
            pair=pair,
            status=status,
        ),
    )
    assert pair.id is not None
    versions = await ctx.uow.agreements.of_pair(pair.id)
    previous = await pending_proposal(ctx, pair) or await agreement_in_force(ctx, pair)
    for older in versions:
        if older.status == "proposed":
            older.status = "superseded"
            await ctx.uow.agreements.save(older)
    agreement = await ctx.uow.agreements.add(
        Agreement(
            pair_id=pair.id,
            version=len(versions) + 1,
            proposed_by=ctx.my_id(),
            created_at=ctx.now(),
            goals=data["goals"],
            cadence_days=int(data["cadence_days"]),
            mode=Mode(data["mode"]),
            channel=data["channel"],
            meeting_minutes=int(data.get("meeting_minutes") or data["default_minutes"]),
            starts_on=date.fromisoformat(data["starts_on"]),
            ends_on=date.fromisoformat(data["ends_on"]),
            response_hours=int(data["response_hours"]),
            confidentiality=data["confidentiality"],
            confirmed_by=(ctx.my_id(),),
        )
    )
    partner = pair.partner_of(ctx.my_id())
    changed = ""
    if previous is not None:
        lines = changes_between(previous, agreement) or [_("nothing; it only needs confirming")]
        since = _("What changed since version {version}:", version=previous.version)
        changed = f"\n{since}\n" + "\n".join(f"• {line}" for line in lines)
    if agreement.version > 1:
        news = _(
            "{name} proposed a change to your agreement (version {version}). It's in force "
            "once you confirm.",
            name=ctx.me().name,
            version=agreement.version,
        )
    else:
        news = _(
            "{name} proposed your agreement (version {version}). It's in force once you confirm.",
            name=ctx.me().name,
            version=agreement.version,
        )
    proposed = Notice(
        partner,
        Reply(
            f"{news}{changed}",
            title=_("Agreement proposal for pair #{pair}", pair=pair.id),
            fields=agreement_fields(agreement),
            choices=(
                Choice(
                    # Translators: a button confirming the proposed agreement
                    _("Confirm"),
                    Action.answer("confirm", f"pair={pair.id}").encode(),
                    ChoiceStyle.PRIMARY,
                ),
                Choice(_("Suggest changes"), Action.answer("agree", f"pair={pair.id}").encode()),
            ),
        ),
        key=f"pair:{pair.id}:agreement:{agreement.version}:proposed",
    )
    (partner_name,) = await names(ctx, partner)
    sent = Reply(
        _("Sent to {name}. It's in force when they confirm.", name=partner_name),
        title=_("Your proposal (version {version})", version=agreement.version),
        fields=agreement_fields(agreement),
    )
    return Outcome([sent], [proposed])


AGREEMENT = Flow(
    name="agreement",
    title=N_("agreement proposal"),
    steps=(
        Step("goals", _ask_goals, _parse_goals),
        Step("cadence_days", _ask_cadence, _parse_cadence),
        Step("mode", _ask_mode, _parse_mode),
        Step("channel", _ask_channel, _parse_channel),
        Step(
            "meeting_minutes",
            _ask_minutes,
            _parse_minutes,
            when=lambda d: d.get("mode") in LIVE_MODES,  # written check-ins have no meetings
        ),
        Step("starts_on", _ask_start, _parse_start),
        Step("ends_on", _ask_end, _parse_end),
        Step("response_hours", _ask_response, _parse_response),
        Step("confidentiality", _ask_confidentiality, _parse_confidentiality),
    ),
    finish=_finish_proposal,
    form=True,
)


async def cmd_agree(ctx: Context, args: Mapping[str, Any]) -> Outcome:
    pair = await my_pair(ctx, args)
    require_status(
        pair,
        PairStatus.AGREEING,
        PairStatus.ACTIVE,
        PairStatus.PAUSED,
        refused=lambda pair, status: _(
            "Pair #{pair} is {status}, so you can't change the agreement now.",
            pair=pair,
            status=status,
        ),
    )
    program = await ctx.uow.programs.get(pair.program_id)
    assert program is not None
    base = await pending_proposal(ctx, pair) or await agreement_in_force(ctx, pair)
    mentee = await ctx.uow.enrollments.find(pair.program_id, pair.mentee_id, Role.MENTEE)
    data: Data = {
        "pair_id": pair.id,
        "default_weeks": program.duration_weeks,
        "default_minutes": base.meeting_minutes if base else program.meeting_minutes,
        "mentee_goals": mentee.goals if mentee else "",
    }
    if base is not None:
        data["base"] = base.terms()
    return await ctx.dialogs.start(ctx, AGREEMENT.name, data)


async def cmd_confirm(ctx: Context, args: Mapping[str, Any]) -> Outcome:
    pair = await my_pair(ctx, args)
    assert pair.id is not None
    proposal = await pending_proposal(ctx, pair)
    if proposal is None:
        raise Conflict(_("There's no proposal waiting for you; nothing changed."))
    me = ctx.my_id()
    if me in proposal.confirmed_by:
        raise Conflict(
            _("You've already confirmed this version; it needs your partner's confirmation.")
        )
    current = await agreement_in_force(ctx, pair)
    if current is not None:
        current.status = "superseded"
        await ctx.uow.agreements.save(current)
    proposal.confirmed_by = (*proposal.confirmed_by, me)
    proposal.status = "confirmed"
    proposal.confirmed_at = ctx.now()
    await ctx.uow.agreements.save(proposal)
    if proposal.channel == RELAY_CHANNEL:  # proposed by one, confirmed by the other
        pair.relay_mentor = pair.relay_mentee = True
    if pair.status is PairStatus.AGREEING:
        pair.status = PairStatus.ACTIVE
    await ctx.uow.pairs.save(pair)
    await schedule_pair(ctx.work, pair, proposal, today=ctx.now().date())
    partner = await ctx.uow.people.get(pair.partner_of(me))
    in_force = _(
        "Agreement version {version} is in force for pair #{pair}.",
        version=proposal.version,
        pair=pair.id,
    )
    reply = Reply(
        f"{in_force} {_first_checkin(proposal, local_today(ctx))}",
        title=_("Agreement confirmed"),
        fields=agreement_fields(proposal),
    )
    (my_name,) = await names(ctx, me)
    they_confirmed = _(
        "{name} confirmed. Agreement version {version} is in force for pair #{pair}.",
        name=my_name,
        version=proposal.version,
        pair=pair.id,
    )
    proposer_told = Reply(
        f"{they_confirmed} {_first_checkin(proposal, local_today(ctx, partner))}",
        title=_("Agreement confirmed"),
    )  # they wrote it: no need to show it to them again
    key = f"pair:{pair.id}:agreement:{proposal.version}:confirmed"
    return Outcome([reply], [Notice(pair.partner_of(me), proposer_told, key=key)])


def _first_checkin(agreement: Agreement, today: date) -> str:
    """When the reader's first check-in opens. Agreement dates are days each person lives
    on their own calendar: the day may already have come for one partner and not yet for
    the other, so each is told on their own ``today``."""
    if today >= agreement.starts_on:
        return _("Your first check-in is open now.")
    return _("Your first check-in opens {day}.", day=fmt_day(agreement.starts_on))


async def cmd_agreement(ctx: Context, args: Mapping[str, Any]) -> Outcome:
    pair = await my_pair(ctx, args, reading=True)
    replies = []
    current = await agreement_in_force(ctx, pair)
    if current is not None:
        replies.append(
            Reply(
                "",
                title=_("Agreement in force (version {version})", version=current.version),
                fields=agreement_fields(current),
            )
        )
    proposal = await pending_proposal(ctx, pair)
    if proposal is not None:
        choices: tuple[Choice, ...] = ()
        if ctx.my_id() in proposal.confirmed_by:
            waiting = _("Waiting for your partner to confirm.")
        else:
            waiting = _("Waiting for you to confirm.")
            choices = (
                Choice(
                    # Translators: a button confirming the proposed agreement
                    _("Confirm"),
                    Action.command("confirm", f"pair={pair.id}").encode(),
                    ChoiceStyle.PRIMARY,
                ),
            )
        replies.append(
            Reply(
                waiting,
                title=_("Proposal (version {version})", version=proposal.version),
                fields=agreement_fields(proposal),
                choices=choices,
            )
        )
    if not replies:
        replies.append(
            Reply(
                _("No agreement yet."),
                choices=(
                    # Translators: a button proposing an agreement
                    Choice(_("Propose one"), Action.command("agree", f"pair={pair.id}").encode()),
                ),
            )
        )
    return Outcome(replies)


def agreement_commands() -> list[CommandSpec]:
    return [
        CommandSpec(
            "agree",
            N_("Propose or change your pair's agreement"),
            cmd_agree,
            args=(PAIR_OPT,),
            group=N_("Agreement"),
        ),
        CommandSpec(
            "confirm",
            N_("Confirm the proposed agreement"),
            cmd_confirm,
            args=(PAIR_OPT,),
            group=N_("Agreement"),
        ),
        CommandSpec(
            "agreement",
            N_("Show your agreement"),
            cmd_agreement,
            args=(PAIR_OPT,),
            group=N_("Agreement"),
        ),
    ]
