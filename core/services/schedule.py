"""The schedule a confirmed agreement generates (the due items of record).

Per check-in period and per person: "check-in opens" (09:00 local on the period's first
day), "meeting reminder" (17:00 the day before, for live modes), "still unanswered" (17:00
two days before the period closes); per pair, "period closes" (records the period and
escalates silence). Once per agreement: the midpoint review and the end-of-agreement
prompt. Times are in each recipient's zone, out of their quiet hours, with a small stable
jitter. A pause, an end or a new agreement version changes the schedule in the same
transaction. What each item does when due lives in core/nudges.py.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from core.i18n import _
from core.identity import Person
from core.messages import moment
from core.model import Agreement, Mode, Pair
from core.ports import DueItem, UnitOfWork
from core.scheduling import local_occurrence
from core.services import Work
from core.services.wording import fmt_day

CHECKIN_OPEN = "checkin_open"
MEETING_REMINDER = "meeting_reminder"
CHECKIN_REMINDER = "checkin_reminder"
CHECKIN_CLOSE = "checkin_close"
MIDPOINT = "midpoint"
AGREEMENT_END = "agreement_end"

MORNING = time(9, 0)
BEFORE_MORNING = time(8, 30)  # a period closes (and escalates) before the next one opens
EVENING = time(17, 0)
JITTER = timedelta(minutes=15)


def subject_of(pair: Pair) -> str:
    return f"pair:{pair.id}"


def _local(person: Person, kind: str, pair: Pair, period: int, day: date, wall: time) -> datetime:
    """When ``person``'s item of ``kind`` for ``period`` falls due: ``wall`` on ``day`` in
    their zone, out of their quiet hours, with its stable jitter."""
    return local_occurrence(
        person.timezone, day, wall,
        quiet_start=person.quiet_start, quiet_end=person.quiet_end,
        jitter_key=f"{subject_of(pair)}:{kind}:{period}:{person.id}", jitter_max=JITTER,
    )  # fmt: skip


def period_closes_at(mentee: Person, pair: Pair, agreement: Agreement, period: int) -> datetime:
    """The instant check-in ``period`` closes: its close item's time (the mentee's morning
    of the day after the period)."""
    _opens, closes = agreement.period_bounds(period)
    return _local(mentee, CHECKIN_CLOSE, pair, period, closes, BEFORE_MORNING)


def answer_deadline(
    reader: Person, mentee: Person, pair: Pair, agreement: Agreement, period: int
) -> str:
    """Until when ``reader`` may answer check-in ``period``, in words for them. A period
    runs through its last day on each person's own calendar, unless it closes (on the
    mentee's morning) before that day ends for the reader: then the close is the limit.
    A phrase ("until <moment>", "through <day>") said in the sentences around it."""
    _opens, closes = agreement.period_bounds(period)
    close_at = period_closes_at(mentee, pair, agreement, period)
    reader_day_ends = datetime.combine(closes, time(0), ZoneInfo(reader.timezone))
    if close_at < reader_day_ends:
        # Translators: when a check-in closes, said after "is open", as in "Check-in 2 is
        # open until Tue 10 Mar 2026 08:30 CET".
        return _("until {moment}", moment=moment(close_at))
    # Translators: the last day to answer a check-in, said after "is open", as in
    # "Check-in 2 is open through Tue 10 Mar 2026" (that day included).
    return _("through {day}", day=fmt_day(closes - timedelta(days=1)))


async def plan_schedule(
    uow: UnitOfWork, pair: Pair, agreement: Agreement, *, today: date
) -> list[DueItem]:
    """Every item the agreement asks for from ``today`` on (earlier ones are history)."""
    mentor, mentee = await uow.people.get(pair.mentor_id), await uow.people.get(pair.mentee_id)
    return plan_items(pair, agreement, mentor, mentee, today=today)


def plan_items(
    pair: Pair, agreement: Agreement, mentor: Person | None, mentee: Person | None, *, today: date
) -> list[DueItem]:
    """:func:`plan_schedule` with the pair's two people at hand (a bulk import plans
    thousands of pairs whose people it has already read)."""
    assert pair.id is not None
    subject = subject_of(pair)
    payload: dict[str, Any] = {"pair_id": pair.id, "version": agreement.version}
    people = [mentor, mentee]
    items: list[DueItem] = []

    def at(person_index: int, kind: str, period: int, day: date, wall: time) -> None:
        person = people[person_index]
        if person is None or person.id is None or day < today:
            return
        due = _local(person, kind, pair, period, day, wall)
        items.append(DueItem(subject, kind, period, person.id, due, dict(payload)))

    live = agreement.mode in (Mode.CHAT, Mode.CALL)
    for period in range(agreement.period_count):
        opens, closes = agreement.period_bounds(period)
        if closes <= today:
            continue
        for index in (0, 1):
            at(index, CHECKIN_OPEN, period, opens, MORNING)
            if live:
                at(index, MEETING_REMINDER, period, opens - timedelta(days=1), EVENING)
            remind_on = closes - timedelta(days=2 if (closes - opens).days >= 4 else 1)
            if remind_on > opens:
                at(index, CHECKIN_REMINDER, period, remind_on, EVENING)
        at(1, CHECKIN_CLOSE, period, closes, BEFORE_MORNING)  # one per pair, the mentee's time
    for index in (0, 1):
        at(index, MIDPOINT, 0, agreement.midpoint_on, MORNING)
        at(index, AGREEMENT_END, 0, agreement.ends_on, MORNING)
    return items


async def schedule_pair(work: Work, pair: Pair, agreement: Agreement, *, today: date) -> None:
    """(Re)compute the pair's schedule from ``today`` — after a confirmation or a resume."""
    items = await plan_schedule(work.uow, pair, agreement, today=today)
    await work.uow.due.schedule(items, now=work.now)
    await work.uow.due.cancel(subject_of(pair), from_period=agreement.period_count, now=work.now)


async def cancel_pair(work: Work, pair: Pair) -> int:
    """Withdraw everything still due for the pair (pause, end)."""
    return await work.uow.due.cancel(subject_of(pair), now=work.now)
