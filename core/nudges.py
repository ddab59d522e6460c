"""What each due item does when it comes due; the weekly digest; the unreachable hook.

The schedule itself comes from core/services/schedule.py. Handlers look again at the
pair when an item comes due, so anything that slipped through (a pause, a new agreement
version, a period that closed while we were down) is recorded as missed, not nudged.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from core.dispatch import Defer, DueHandler, Missed, Verdict, WorkContext, respect_quiet_hours
from core.i18n import N_, _, listed, n_, said
from core.identity import Person
from core.messages import Action, Choice, ChoiceStyle, Notice, PairSpaceCopy, Reply
from core.model import Agreement, Pair, PairStatus, Program, Role
from core.ports import DueItem, DueStatus, OutboxMessage
from core.scheduling import next_allowed
from core.services import Work
from core.services.health import program_status
from core.services.lookups import agreement_in_force, names
from core.services.pairing import tell_coordinators
from core.services.pauses import INDEFINITELY, pause_pair
from core.services.periods import MISSED, answered, settle_periods, trailing_misses
from core.services.schedule import (
    AGREEMENT_END,
    CHECKIN_CLOSE,
    CHECKIN_OPEN,
    CHECKIN_REMINDER,
    MEETING_REMINDER,
    MIDPOINT,
    answer_deadline,
    subject_of,
)
from core.services.wording import fmt_day, mode_label
from core.settings import CoreSettings

LATE = timedelta(hours=12)


# --- when items come due -------------------------------------------------------------------


PairHandler = Callable[[Work, DueItem, Pair, Agreement], Awaitable[Verdict]]


def pair_handler(handler: PairHandler, settings: CoreSettings) -> DueHandler:
    """Load the pair and its agreement; skip items whose pair moved on. The handler works
    with the configured settings, like every command does."""

    async def handle(ctx: WorkContext, item: DueItem) -> Verdict:
        work = Work(ctx.uow, ctx.now, settings)
        pair = await work.uow.pairs.get(int(item.payload["pair_id"]))
        if pair is None or pair.status is not PairStatus.ACTIVE:
            return Missed("the pair is not active")
        agreement = await agreement_in_force(work.uow, pair)
        if agreement is None or agreement.version != item.payload.get("version"):
            return Missed("the agreement changed")
        return await handler(work, item, pair, agreement)

    return handle


async def _shared(work: Work, item: DueItem, pair: Pair, reply: Reply, to_both: Reply) -> Notice:
    """A reminder both partners get alike: one post where they share a pair space, unless
    it is the partner's quiet time now (a group post would wake them; their own copy waits
    for their morning)."""
    partner_id = pair.partner_of(item.person_id)
    partner = await work.uow.people.get(partner_id)
    awake = partner is not None and work.now >= next_allowed(
        work.now, partner.timezone, quiet_start=partner.quiet_start, quiet_end=partner.quiet_end
    )
    space = PairSpaceCopy(partner_id, to_both) if awake else None
    return Notice(item.person_id, reply, key="", pair_space=space)


def _checkin_button(pair: Pair) -> Choice:
    return Choice(
        # Translators: a button that starts answering a check-in.
        _("Check in now"),
        Action.command("checkin", f"pair={pair.id}").encode(),
        ChoiceStyle.PRIMARY,
    )


def _pause_button(pair: Pair) -> Choice:
    # Translators: a button that pauses the pair's check-ins.
    return Choice(_("Pause"), Action.command("pause", f"pair={pair.id}").encode())


async def _partner_name(work: Work, pair: Pair, person_id: int) -> str:
    (name,) = await names(work.uow, pair.partner_of(person_id))
    return name


async def on_checkin_open(work: Work, item: DueItem, pair: Pair, agreement: Agreement) -> Verdict:
    _opens, closes = agreement.period_bounds(item.period)
    if work.now.date() >= closes:
        return Missed("the period ended before we could open it")
    if await answered(work.uow, pair, item.period, item.person_id):
        return []  # they checked in already (it opened for their partner first): no news
    reader, mentee = await _people(work, item.person_id, pair.mentee_id)
    previous_close = await _pending_close(work, pair, item.period - 1)
    if previous_close is not None:
        # The last period closes on the mentee's morning, and may pause the pair; a partner
        # further east would hear of the new period first. The opening waits for that close
        # (and for the reader's quiet hours to end).
        after = max(previous_close, work.now) + timedelta(minutes=1)
        quiet = {"quiet_start": reader.quiet_start, "quiet_end": reader.quiet_end}
        return Defer(next_allowed(after, reader.timezone, **quiet), "the last period closes first")
    partner = await _partner_name(work, pair, item.person_id)
    deadline = answer_deadline(reader, mentee, pair, agreement, item.period)
    reply = Reply(
        # Translators: {deadline} is e.g. "until Tue 10 Mar 2026 08:30 CET" or "through Tue
        # 10 Mar 2026".
        _(
            "Check-in {period} with {partner} is open {deadline}. It takes two minutes: did "
            "you meet, your answers to the program's questions, a rating.",
            period=item.period + 1,
            partner=partner,
            deadline=deadline,
        ),
        title=_("Time to check in"),
        choices=(_checkin_button(pair),),
    )
    return [Notice(item.person_id, reply, key="")]


async def _pending_close(work: Work, pair: Pair, period: int) -> datetime | None:
    """When the close of ``period`` is due, if it hasn't been handled yet."""
    if period < 0:
        return None
    close = await work.uow.due.find(subject_of(pair), CHECKIN_CLOSE, period, pair.mentee_id)
    waiting = close is not None and close.status in (DueStatus.SCHEDULED, DueStatus.CLAIMED)
    return close.due_at if close is not None and waiting else None


async def _people(work: Work, *person_ids: int) -> list[Person]:
    people = [await work.uow.people.get(person_id) for person_id in person_ids]
    if any(person is None for person in people):
        raise LookupError(f"a member of pair items {person_ids} is gone")
    return [person for person in people if person is not None]


async def _recipients_today(work: Work, item: DueItem) -> date:
    """The day it is for the nudge's recipient: what "today" and "tomorrow" mean to them."""
    person = await work.uow.people.get(item.person_id)
    zone = ZoneInfo(person.timezone) if person is not None else UTC
    return work.now.astimezone(zone).date()


async def on_meeting_reminder(
    work: Work, item: DueItem, pair: Pair, agreement: Agreement
) -> Verdict:
    opens, _closes = agreement.period_bounds(item.period)
    if await _recipients_today(work, item) >= opens:
        # Late (we were down): "tomorrow a new period starts" is no longer true, and the
        # period's own check-in message is what they get now.
        return Missed("the period it announces has started")
    partner = await _partner_name(work, pair, item.person_id)
    mode, channel = mode_label(agreement.mode), agreement.channel
    reply = Reply(
        # Translators: {mode} is how they meet ("call", "chat"), {channel} where.
        n_(
            "Tomorrow a new period starts: you agreed to meet {partner} by {mode} ({channel}) "
            "for about {count} minute. Have you set a time?",
            "Tomorrow a new period starts: you agreed to meet {partner} by {mode} ({channel}) "
            "for about {count} minutes. Have you set a time?",
            agreement.meeting_minutes,
            partner=partner,
            mode=mode,
            channel=channel,
        ),
        title=_("Meeting reminder"),
    )
    to_both = Reply(
        # Translators: {mode} is how they meet ("call", "chat"), {channel} where.
        n_(
            "Tomorrow a new period starts: you agreed to meet by {mode} ({channel}) for about "
            "{count} minute. Have you two set a time?",
            "Tomorrow a new period starts: you agreed to meet by {mode} ({channel}) for about "
            "{count} minutes. Have you two set a time?",
            agreement.meeting_minutes,
            mode=mode,
            channel=channel,
        ),
        title=_("Meeting reminder"),
    )
    return [await _shared(work, item, pair, reply, to_both)]


async def on_checkin_reminder(
    work: Work, item: DueItem, pair: Pair, agreement: Agreement
) -> Verdict:
    if await answered(work.uow, pair, item.period, item.person_id):
        return []  # already answered: nothing to say
    _opens, closes = agreement.period_bounds(item.period)
    if work.now.date() >= closes:
        return Missed("the period is over")
    reader, mentee = await _people(work, item.person_id, pair.mentee_id)
    deadline = answer_deadline(reader, mentee, pair, agreement, item.period)
    reply = Reply(
        # Translators: {deadline} is e.g. "until Tue 10 Mar 2026 08:30 CET" or "through Tue
        # 10 Mar 2026".
        _(
            "A friendly reminder: your check-in for pair #{pair} is open {deadline}.",
            pair=str(pair.id),
            deadline=deadline,
        ),
        choices=(_checkin_button(pair),),
    )
    return [Notice(item.person_id, reply, key="")]


async def on_midpoint(work: Work, item: DueItem, pair: Pair, agreement: Agreement) -> Verdict:
    if await _recipients_today(work, item) >= agreement.ends_on:
        return Missed("the agreement reached its end before its midpoint review went out")
    reply = Reply(
        _(
            "You're halfway through your agreement. Take two minutes for the midpoint review: "
            "how is it going, and does the agreement still fit?"
        ),
        title=_("Midpoint review"),
        choices=(
            Choice(_("Start the review"), Action.command("review", f"pair={pair.id}").encode()),
        ),
    )
    return [await _shared(work, item, pair, reply, reply)]


async def on_agreement_end(work: Work, item: DueItem, pair: Pair, agreement: Agreement) -> Verdict:
    today = await _recipients_today(work, item)
    if today <= agreement.ends_on:
        text = _(
            "Your agreement for pair #{pair} reaches its end date today. Carry on with a new "
            "end date, or close the pair with a short survey?",
            pair=str(pair.id),
        )
    else:  # late (we were down): said as it is
        text = _(
            "Your agreement for pair #{pair} reached its end date on {day}. Carry on with a "
            "new end date, or close the pair with a short survey?",
            pair=str(pair.id),
            day=fmt_day(agreement.ends_on),
        )
    reply = Reply(
        text,
        title=_("Agreement ends"),
        choices=(
            Choice(_("Carry on"), Action.command("agree", f"pair={pair.id}").encode()),
            Choice(_("Close the pair"), Action.command("end", f"pair={pair.id}").encode()),
        ),
    )
    return [await _shared(work, item, pair, reply, reply)]


async def on_checkin_close(work: Work, item: DueItem, pair: Pair, agreement: Agreement) -> Verdict:
    """Record the period — the one place a period is settled as it closes — then escalate
    silence: reminder, partner, coordinator.

    Handled late (we were down), several periods may close at once. Our outage is not their
    silence, so the ladder doesn't climb every rung at once: the close that records them takes
    the next step once, and tells the coordinators which steps it skipped.
    """
    uow = work.uow
    people = (pair.mentee_id, pair.mentor_id)
    late = work.now - item.due_at > LATE
    before = {person_id: await trailing_misses(uow, pair, person_id) for person_id in people}
    _opens, closes = agreement.period_bounds(item.period)
    recorded = await settle_periods(uow, pair, agreement, max(closes, work.now.date()), fill=MISSED)
    if late and not recorded:
        return []  # an earlier close already caught up
    program = await uow.programs.get(pair.program_id)
    assert program is not None and pair.id is not None
    # The last period closes on the agreement's end date, which brings its own message
    # (carry on or close): no "check in now", no nudge to the partner, no pause of a pair
    # that is ending anyway. Only the coordinators hear about the silence.
    final = closes >= agreement.ends_on
    steps: list[tuple[int, int, _Rung]] = []  # (person, their misses, the rung to take)
    skipped: dict[int, list[_Rung]] = {}
    for person_id in people:
        misses = await trailing_misses(uow, pair, person_id)
        if misses == 0:
            continue
        if not late:
            steps += [(person_id, misses, r) for r in _rungs(program) if r.reached_by(misses)]
            continue
        due = [r for r in _rungs(program) if before[person_id] < r.threshold <= misses]
        if not due and misses >= program.coordinator_after_misses:
            due = [_Rung(COORDINATOR, program.coordinator_after_misses)]
        if due:
            steps.append((person_id, misses, due[0]))
            skipped[person_id] = due[1:]
    # A pair paused by this close hears that once, from the pause: no "check in now" to a
    # paused pair, no "no action needed" to the partner beside it.
    pausing = (
        not final
        and program.auto_pause
        and pair.status is PairStatus.ACTIVE
        and any(rung.name == COORDINATOR for _person, _misses, rung in steps)
    )
    notices: list[Notice] = []
    for person_id, misses, rung in steps:
        if (final or pausing) and rung.name != COORDINATOR:
            continue
        notices += await _step(work, program, pair, person_id, misses, rung.name, pausing)
        if skipped.get(person_id):
            notices += await _tell_skipped(
                work, program, pair, person_id, misses, skipped[person_id]
            )
    return notices


# The rungs of the escalation ladder, named as the coordinators read them when skipped.
REMIND, PARTNER, COORDINATOR = (
    N_("a reminder to them"),
    N_("a note to their partner"),
    N_("telling you"),
)


@dataclass(frozen=True, slots=True)
class _Rung:
    """A step of the escalation ladder and the trailing misses that call for it."""

    name: str
    threshold: int

    def reached_by(self, misses: int) -> bool:
        # the coordinator hears of every further miss; the others speak once
        return misses >= self.threshold if self.name == COORDINATOR else misses == self.threshold


def _rungs(program: Program) -> list[_Rung]:
    rungs = (
        _Rung(REMIND, program.remind_after_misses),
        _Rung(PARTNER, program.partner_after_misses),
        _Rung(COORDINATOR, program.coordinator_after_misses),
    )
    return sorted(rungs, key=lambda rung: rung.threshold)


async def _step(
    work: Work,
    program: Program,
    pair: Pair,
    person_id: int,
    misses: int,
    rung: str,
    pause: bool,
) -> list[Notice]:
    """One step of the ladder for ``person_id``'s ``misses`` missed check-ins in a row;
    the coordinator's step also pauses the pair when ``pause`` (see on_checkin_close)."""
    uow = work.uow
    assert pair.id is not None
    (name,) = await names(uow, person_id)
    if rung == REMIND:
        return [Notice(person_id, Reply(
            _("We missed your check-in last period — no problem, life happens. Check in now, "
            "or pause for a while if you're busy; your partner is told kindly either way."),
            choices=(_checkin_button(pair), _pause_button(pair)),
        ), key=f"miss{misses}:{person_id}")]  # fmt: skip
    if rung == PARTNER:
        return [Notice(pair.partner_of(person_id), Reply(
            n_("{name} hasn't checked in for {count} period. No action needed; a short, "
               "friendly message from you often helps.",
               "{name} hasn't checked in for {count} periods. No action needed; a short, "
               "friendly message from you often helps.", misses, name=name),
        ), key=f"miss{misses}:partner:{person_id}")]  # fmt: skip
    paused = pause and pair.status is PairStatus.ACTIVE
    missed = n_(
        "Pair #{pair} in {program}: {name} missed a check-in.",
        "Pair #{pair} in {program}: {name} missed {count} check-ins in a row.",
        misses,
        pair=str(pair.id),
        program=program.name,
        name=name,
    )
    if paused:
        missed = f"{missed} {_('The pair is paused until one of them resumes.')}"
    attention = Reply(missed, title=_("A pair needs attention"))
    notices = await tell_coordinators(
        uow, program, attention, key=f"miss{misses}:coordinator:{person_id}"
    )
    if paused:
        notices += await pause_pair(
            work,
            pair,
            INDEFINITELY,
            "mentorhub",
            today=work.now.date(),
            after_misses=misses,
        )
    return notices


async def _tell_skipped(
    work: Work, program: Program, pair: Pair, person_id: int, misses: int, skipped: list[_Rung]
) -> list[Notice]:
    """After downtime: the coordinators learn which steps of the ladder were not taken."""
    (name,) = await names(work.uow, person_id)
    steps = listed(said(rung.name) for rung in skipped)
    reply = Reply(
        n_(
            "Pair #{pair} in {program}: several check-in periods closed at once while "
            "mentorhub caught up after downtime, and {name} missed a check-in. I took only "
            "the next step; I skipped {steps}. Look in if the pair needs more.",
            "Pair #{pair} in {program}: several check-in periods closed at once while "
            "mentorhub caught up after downtime, and {name} missed {count} check-ins in a row. "
            "I took only the next step; I skipped {steps}. Look in if the pair needs more.",
            misses,
            pair=str(pair.id),
            program=program.name,
            name=name,
            steps=steps,
        ),
        title=_("A pair needs attention"),
    )
    return await tell_coordinators(
        work.uow, program, reply, key=f"miss{misses}:skipped:{person_id}"
    )


async def weekly_digest(ctx: WorkContext) -> Sequence[Notice]:
    """Each coordinator's weekly summary of each program they run. Reads only."""
    notices = []
    for program in await ctx.uow.programs.all():
        assert program.id is not None
        coordinators = await ctx.uow.enrollments.of_program(program.id, Role.COORDINATOR)
        if not coordinators:
            continue
        reply = await program_status(
            ctx.uow, ctx.now, program, title=_("{program}: this week", program=program.name)
        )
        for enrollment in coordinators:
            notices.append(Notice(enrollment.person_id, reply, key=f"program:{program.id}"))
    return notices


async def on_unreachable(
    work: WorkContext, person_id: int, message: OutboxMessage
) -> Sequence[Notice]:
    """Nobody can reach this person: tell their partners and coordinators once a week."""
    if await work.uow.outbox.unreachable_since(person_id, work.now - timedelta(days=7)) > 1:
        return []
    uow = work.uow
    (name,) = await names(uow, person_id)
    person = await uow.people.get(person_id)
    if not await uow.accounts.of_person(person_id) and person is not None:
        # imported and never claimed: there is no messenger to have blocked
        text = _(
            "{name} hasn't linked a messenger account to mentorhub yet, so reminders "
            "can't reach them. If you're in touch, ask them to send `start @{handle}` "
            "to mentorhub on the messenger they use.",
            name=name,
            handle=person.handle,
        )
    else:
        text = _(
            "I can't reach {name} on their messenger right now (they may have blocked or "
            "left it). If you're in touch, ask them to message mentorhub again (e.g. send "
            "`start`) and reminders will reach them.",
            name=name,
        )
    told: set[int] = set()
    notices = []
    for pair in await uow.pairs.of_person(person_id):
        if not pair.status.is_open or pair.status is PairStatus.AWAITING:
            continue
        partner = pair.partner_of(person_id)
        program = await uow.programs.get(pair.program_id)
        coordinators = (
            await uow.enrollments.of_program(pair.program_id, Role.COORDINATOR) if program else []
        )
        for recipient in (partner, *(e.person_id for e in coordinators)):
            if recipient not in told and recipient != person_id:
                told.add(recipient)
                notices.append(
                    Notice(
                        recipient, Reply(text, title=_("Can't reach someone")), key=str(recipient)
                    )
                )
    return notices


def due_handlers(settings: CoreSettings) -> Mapping[str, DueHandler]:
    """Handlers by due-item kind, working with the configured ``settings``."""
    nudges: dict[str, PairHandler] = {
        CHECKIN_OPEN: on_checkin_open,
        MEETING_REMINDER: on_meeting_reminder,
        CHECKIN_REMINDER: on_checkin_reminder,
        MIDPOINT: on_midpoint,
        AGREEMENT_END: on_agreement_end,
    }
    nudges[CHECKIN_CLOSE] = on_checkin_close
    return {kind: respect_quiet_hours(pair_handler(fn, settings)) for kind, fn in nudges.items()}
