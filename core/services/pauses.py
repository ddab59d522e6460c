"""Pausing and resuming a pair: a pause freezes the cadence, both sides are told.

A pause is the one state change besides a period's close that settles periods (see
core/services/periods.py), because only these two moments know what the pause covers:
pausing records the periods that closed before it as they were (missed stays missed,
even if that period's close hasn't been handled yet), and resuming records the periods
that closed during it as paused. Nothing else remembers when a pair was paused.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from core.i18n import _, n_
from core.identity import Person
from core.messages import Action, Choice, Notice, Reply, moment
from core.model import Agreement, Pair, PairStatus
from core.services import Work
from core.services.lookups import agreement_in_force
from core.services.pairing import is_paused
from core.services.periods import MISSED, PAUSED, answered, settle_periods
from core.services.schedule import answer_deadline, cancel_pair, schedule_pair
from core.services.wording import fmt_day

INDEFINITELY = datetime(9999, 12, 31, tzinfo=UTC)


def until_text(until: datetime, timezone: str) -> str:
    """The last day of a pause, as its author counts days."""
    if until >= INDEFINITELY:
        # Translators: said after "until", as in "paused until further notice".
        return _("further notice")
    last_moment = until.astimezone(ZoneInfo(timezone)) - timedelta(minutes=1)
    return fmt_day(last_moment.date())


def until_moment(until: datetime) -> str:
    """When a pause lifts, for anyone to read on their own clock (its author's last day
    ends at a different hour, or on another day, in the partner's zone)."""
    # Translators: said after "until", as in "paused until further notice".
    return _("further notice") if until >= INDEFINITELY else moment(until)


async def pause_pair(
    work: Work,
    pair: Pair,
    until: datetime,
    by_name: str,
    *,
    today: date,
    resumable: bool = True,
    after_misses: int | None = None,
) -> list[Notice]:
    """Pause the pair and tell both. ``resumable``: either of them may lift it (a pause of
    the pair); not when it follows a person's own pause, which only they can lift.
    ``after_misses``: mentorhub pauses it (``by_name`` unused) after that many missed
    check-ins in a row."""
    agreement = await agreement_in_force(work.uow, pair)
    if agreement is not None:
        await settle_periods(work.uow, pair, agreement, today, fill=MISSED)
    pair.status = PairStatus.PAUSED
    pair.paused_until = until
    pair.pauses += 1
    await work.uow.pairs.save(pair)
    await cancel_pair(work, pair)
    told = Reply(
        _paused_text(pair.id, until, by_name, after_misses),
        title=_("Mentoring paused"),
        choices=(
            # Translators: a button that resumes a paused pair.
            (Choice(_("Resume"), Action.command("resume", f"pair={pair.id}").encode()),)
            if resumable
            else ()
        ),
    )
    key = f"pair:{pair.id}:pause:{pair.pauses}:paused"
    return [Notice(person_id, told, key=key) for person_id in (pair.mentor_id, pair.mentee_id)]


def _paused_text(pair_id: int | None, until: datetime, by_name: str, misses: int | None) -> str:
    if misses is not None and until >= INDEFINITELY:
        return n_(
            "mentorhub (after a missed check-in) paused pair #{pair} until further notice. "
            "Check-ins and reminders are on hold; nothing counts as missed meanwhile.",
            "mentorhub (after {count} missed check-ins in a row) paused pair #{pair} until "
            "further notice. Check-ins and reminders are on hold; nothing counts as missed "
            "meanwhile.",
            misses,
            pair=str(pair_id),
        )
    if misses is not None:
        by_name = "mentorhub"
    if until >= INDEFINITELY:
        return _(
            "{name} paused pair #{pair} until further notice. Check-ins and reminders are on "
            "hold; nothing counts as missed meanwhile.",
            name=by_name,
            pair=str(pair_id),
        )
    return _(
        "{name} paused pair #{pair} until {until}. Check-ins and reminders are on hold; "
        "nothing counts as missed meanwhile.",
        name=by_name,
        pair=str(pair_id),
        until=moment(until),
    )


async def resume_pair(work: Work, pair: Pair, by_name: str | None, *, today: date) -> list[Notice]:
    """Resume the pair and tell both: resumed by ``by_name``, or (None) because the
    pause reached its end date."""
    agreement = await agreement_in_force(work.uow, pair)
    if agreement is not None:
        await settle_periods(work.uow, pair, agreement, today, fill=PAUSED)
    pair.status = PairStatus.ACTIVE if agreement is not None else PairStatus.AGREEING
    pair.paused_until = None
    await work.uow.pairs.save(pair)
    if agreement is not None:
        await schedule_pair(work, pair, agreement, today=work.now.date())
    key = f"pair:{pair.id}:pause:{pair.pauses}:resumed"
    notices = []
    for person_id in (pair.mentor_id, pair.mentee_id):
        if by_name is None:
            resumed = _(
                "The pause's end date resumed pair #{pair}. Check-ins continue on your agreed "
                "cadence.",
                pair=str(pair.id),
            )
        else:
            resumed = _(
                "{name} resumed pair #{pair}. Check-ins continue on your agreed cadence.",
                name=by_name,
                pair=str(pair.id),
            )
        told = Reply(resumed)
        if agreement is not None:
            told = await _with_open_checkin(work, pair, agreement, person_id, told)
        notices.append(Notice(person_id, told, key=key))
    return notices


async def _with_open_checkin(
    work: Work, pair: Pair, agreement: Agreement, person_id: int, told: Reply
) -> Reply:
    """A period that opened while the pair was paused had its opening withdrawn: the
    resume says it is open now, so nobody misses it for want of a word."""
    person, mentee = await work.uow.people.get(person_id), await work.uow.people.get(pair.mentee_id)
    if person is None or mentee is None or pair.id is None:
        return told
    today = work.now.astimezone(ZoneInfo(person.timezone)).date()
    if not agreement.starts_on <= today < agreement.ends_on:
        return told
    period = agreement.period_of(today)
    if await answered(work.uow, pair, period, person_id):
        return told
    deadline = answer_deadline(person, mentee, pair, agreement, period)
    # Translators: {deadline} is e.g. "until Tue 10 Mar 2026 09:00 CET" or "through Tue 10
    # Mar 2026".
    is_open = _("Check-in {period} is open {deadline}.", period=period + 1, deadline=deadline)
    # Translators: a button that starts answering a check-in.
    button = _("Check in now")
    return Reply(
        f"{told.text} {is_open}",
        choices=(Choice(button, Action.command("checkin", f"pair={pair.id}").encode()),),
    )


async def still_away(work: Work, pair: Pair, *, except_id: int | None = None) -> Person | None:
    """A member of the pair (other than ``except_id``) who paused themselves and is still
    away: the pair stays paused until they are back, for a person's pause is theirs to lift."""
    for person_id in (pair.mentor_id, pair.mentee_id):
        if person_id == except_id:
            continue
        person = await work.uow.people.get(person_id)
        if person is not None and is_paused(person, work.now):
            return person
    return None


async def resume_due(work: Work) -> list[Notice]:
    """Pauses whose end date has come are lifted, unless one of the two is still away by
    their own pause: then the pair waits for them. Run periodically (upkeep)."""
    notices: list[Notice] = []
    for pair in await work.uow.pairs.pauses_ending(work.now):
        away = await still_away(work, pair)
        if away is not None:
            pair.paused_until = away.paused_until
            await work.uow.pairs.save(pair)
            continue
        notices += await resume_pair(work, pair, None, today=work.now.date())
    return notices
