"""What the dashboard's pages show, read whole in a fixed number of statements.

The same read models as `status` and `export` (core.ports.ProgramViews) and the same
judgement of each pair (core.services.health.pair_health), so the browser and chat never
disagree. Status and aggregates only, as in `status`: no notes, answers or goals.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from core.commands.common import status_shown as status_shown  # for the pages
from core.model import Agreement, Pair, PairStatus, Program, Role
from core.ports import CheckInFact, MentorLoadRow, UnitOfWork
from core.services.health import WATCHED, PairHealth, pair_health
from core.services.periods import DONE, MISSED, PARTIAL, closed_until, settled_status, showing

TREND_WEEKS = 12  # weeks of check-in completion in the chart
PAGE_SIZE = 50  # pairs per page of the pair list
SHOWN_WAITING = 10  # first in line listed; the count and chart cover everyone waiting
SHOWN_MENTORS = 10  # fullest mentors listed; the chart covers them all
SHOWN_RISKS = 10  # most urgent on the overview; the pair list has them all


@dataclass(frozen=True, slots=True)
class PairLine:
    """One pair as the pair list shows it: who, status and check-in aggregates."""

    pair_id: int
    mentor: str  # handles: what `export` names people by
    mentee: str
    status: PairStatus
    started: date | None
    ended: date | None
    periods_due: int
    done: int
    partial: int
    missed: int
    last_checkin: date | None
    risk: str | None
    urgency: tuple[int, int]

    @property
    def completion(self) -> int | None:
        """Percent of due check-ins done (a partial one counts half), as `export` says."""
        if not self.periods_due:
            return None
        return round(100 * (self.done + 0.5 * self.partial) / self.periods_due)


@dataclass(frozen=True, slots=True)
class WeekCompletion:
    """Check-in periods that closed in one week (Monday to Sunday), across the program."""

    week: date  # its Monday
    done: int
    partial: int
    missed: int

    @property
    def due(self) -> int:
        return self.done + self.partial + self.missed

    @property
    def completion(self) -> int | None:
        return round(100 * (self.done + 0.5 * self.partial) / self.due) if self.due else None


@dataclass(frozen=True, slots=True)
class WaitingMentee:
    name: str
    handle: str
    days: int
    rematch: bool


@dataclass(frozen=True, slots=True)
class MentorLoad:
    name: str
    handle: str
    capacity: int
    open_pairs: int
    away: bool


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A program at a glance, as one read at ``taken_at``."""

    program: Program
    taken_at: datetime
    pairs_by_state: dict[PairStatus, int]
    answered: int  # answers this period across active pairs (as `status`)
    expected: int
    lines: list[PairLine]  # every pair that was ever matched, by id
    at_risk: list[PairLine]  # most urgent first
    weeks: list[WeekCompletion]  # oldest first
    waited_days: list[int]  # how long each waiting mentee has waited
    first_in_line: list[WaitingMentee]  # rematches first, then the longest waits
    mentor_loads: list[MentorLoadRow]  # every mentor's places and pairs
    fullest: list[MentorLoad]  # the fullest mentors, by name

    @property
    def capacity(self) -> int:
        return sum(m.capacity for m in self.mentor_loads)

    @property
    def places_taken(self) -> int:
        return sum(min(m.taken, m.capacity) for m in self.mentor_loads)


async def take_snapshot(uow: UnitOfWork, now: datetime, program: Program) -> Snapshot:
    """A dozen statements whatever the program's size; the judging runs in a thread."""
    assert program.id is not None
    pairs = await uow.views.pairs(program.id)
    agreements = await uow.views.agreements_in_force(program.id)
    facts = await uow.views.checkin_facts(program.id)
    handles = await uow.views.handles(program.id)
    waited = await uow.views.waiting_since(program.id)
    _, line = await uow.views.waiting_line(program.id, SHOWN_WAITING)
    loads = await uow.views.mentor_loads(program.id)
    loads.sort(key=lambda m: (-m.taken / max(m.capacity, 1), -m.taken, m.person_id))
    fullest = [m.person_id for m in loads[:SHOWN_MENTORS]]
    seats = await uow.views.seats(program.id, Role.MENTOR, person_ids=fullest) if fullest else []
    snapshot = await asyncio.to_thread(_build, program, now, pairs, agreements, facts, handles)
    by_id = {seat.person.id: seat for seat in seats}
    return replace(
        snapshot,
        waited_days=[(now - since).days for since in waited],
        first_in_line=[
            WaitingMentee(
                seat.person.name,
                seat.person.handle,
                (now - (seat.enrollment.waiting_since or now)).days,
                seat.enrollment.rematch,
            )
            for seat in line
        ],
        mentor_loads=loads,
        fullest=[
            MentorLoad(
                seat.person.name,
                seat.person.handle,
                load.capacity,
                load.taken,
                load.paused_until is not None and load.paused_until > now,
            )
            for load in loads[:SHOWN_MENTORS]
            if (seat := by_id.get(load.person_id)) is not None
        ],
    )


def _build(
    program: Program,
    now: datetime,
    pairs: Sequence[Pair],
    agreements: dict[int, Agreement],
    facts: dict[int, list[CheckInFact]],
    handles: dict[int, str],
) -> Snapshot:
    today = now.date()
    counts: dict[PairStatus, int] = {}
    lines: list[PairLine] = []
    answered = expected = 0
    weeks: dict[date, list[int]] = {}
    first_week = _monday(today) - timedelta(weeks=TREND_WEEKS - 1)
    for pair in pairs:
        counts[pair.status] = counts.get(pair.status, 0) + 1
        if not pair.status.was_matched:
            continue
        pair_id = pair.id or 0
        agreement, stored = agreements.get(pair_id), facts.get(pair_id, [])
        health = pair_health(pair, agreement, stored, today)
        if pair.status is PairStatus.ACTIVE:
            answered += health.answered_this_period
            expected += 2
        lines.append(_line(pair, health, handles))
        if agreement is not None:
            for closes, status in _closed_periods(pair, agreement, stored, today):
                week = _monday(closes)
                if first_week <= week and status in (DONE, PARTIAL, MISSED):
                    tally = weeks.setdefault(week, [0, 0, 0])
                    tally[(DONE, PARTIAL, MISSED).index(status)] += 1
    at_risk = sorted(
        (line for line in lines if line.risk and line.status in WATCHED),
        key=lambda line: line.urgency,
        reverse=True,
    )
    trend = [
        WeekCompletion(week, *weeks.get(week, (0, 0, 0)))
        for week in (first_week + timedelta(weeks=n) for n in range(TREND_WEEKS))
    ]
    return Snapshot(program, now, counts, answered, expected, lines, at_risk, trend, [], [], [], [])


def _line(pair: Pair, health: PairHealth, handles: dict[int, str]) -> PairLine:
    return PairLine(
        pair_id=pair.id or 0,
        mentor=handles.get(pair.mentor_id, ""),
        mentee=handles.get(pair.mentee_id, ""),
        status=pair.status,
        started=pair.started_at.date() if pair.started_at else None,
        ended=pair.ended_at.date() if pair.ended_at else None,
        periods_due=health.periods_due,
        done=health.done,
        partial=health.partial,
        missed=health.missed,
        last_checkin=health.last_checkin,
        risk=health.risk,
        urgency=health.urgency,
    )


def _closed_periods(
    pair: Pair, agreement: Agreement, stored: Sequence[CheckInFact], today: date
) -> Iterator[tuple[date, str]]:
    """Each closed period's last day and what it counts as: as pair_health counts them."""
    fill, until = showing(pair, today)
    by_period = {fact.period: fact for fact in stored}
    for period in range(closed_until(agreement, until)):
        fact = by_period.get(period)
        status = settled_status(
            fact.status if fact else None, fact.answers if fact else 0, fill=fill
        )
        yield agreement.period_bounds(period)[1] - timedelta(days=1), status


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


# --- the pair list --------------------------------------------------------------------------

SORTS = ("id", "mentor", "mentee", "status", "started", "last_checkin", "completion", "risk")
STATUSES = ("all", "at_risk", *(s.value for s in PairStatus if s.was_matched))


@dataclass(frozen=True, slots=True)
class PairQuery:
    """The pair list's query string: what to show, in which order, which page."""

    status: str = "all"
    sort: str = "id"
    order: str = "asc"
    search: str = ""
    page: int = 1

    @classmethod
    def parse(cls, params: dict[str, str]) -> PairQuery:
        """From the query string; anything not understood falls back to its default."""
        status = params.get("status", "all")
        sort = params.get("sort", "id")
        order = params.get("order", "asc")
        page = params.get("page", "1")
        return cls(
            status=status if status in STATUSES else "all",
            sort=sort if sort in SORTS else "id",
            order=order if order in ("asc", "desc") else "asc",
            search=params.get("q", "").strip().lstrip("@").lower()[:64],
            page=int(page) if page.isdigit() and 0 < int(page) < 1_000_000 else 1,
        )


@dataclass(frozen=True, slots=True)
class PairPage:
    query: PairQuery
    lines: list[PairLine]
    total: int  # matching the filter
    pages: int


def pair_page(snapshot: Snapshot, query: PairQuery) -> PairPage:
    lines: list[PairLine] = snapshot.lines
    if query.status == "at_risk":
        lines = snapshot.at_risk
    elif query.status != "all":
        lines = [line for line in lines if line.status.value == query.status]
    if query.search:
        lines = [
            line for line in lines if query.search in line.mentor or query.search in line.mentee
        ]
    present = [line for line in lines if _key(line, query.sort) is not None]
    absent = [line for line in lines if _key(line, query.sort) is None]
    present.sort(key=lambda line: _key(line, query.sort), reverse=query.order == "desc")
    ordered = present + absent  # pairs without the value last, whichever the order
    pages = max(1, -(-len(ordered) // PAGE_SIZE))
    page = min(query.page, pages)
    shown = ordered[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    return PairPage(
        PairQuery(query.status, query.sort, query.order, query.search, page),
        shown,
        len(ordered),
        pages,
    )


def _key(line: PairLine, sort: str) -> Any:
    match sort:
        case "mentor":
            return (line.mentor, line.pair_id)
        case "mentee":
            return (line.mentee, line.pair_id)
        case "status":
            return (list(PairStatus).index(line.status), line.pair_id)
        case "started":
            return (line.started, line.pair_id) if line.started else None
        case "last_checkin":
            return (line.last_checkin, line.pair_id) if line.last_checkin else None
        case "completion":
            return (line.completion, line.pair_id) if line.completion is not None else None
        case "risk":
            return (*line.urgency, line.pair_id) if line.risk else None
    return line.pair_id
