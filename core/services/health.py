"""How a program is doing, for its coordinators: pairs by state, check-ins, risks, waiting.

Read-only: periods that closed but aren't settled yet count as settling would record them
(see core/services/periods.py), so looking never changes what a period was.

A program is read whole in a fixed number of statements (core.ports.ProgramViews) and
judged here in memory, so status, export and the digest cost the same at any size. What
chat shows is a summary that fits one message on every messenger: counts, the most urgent
risks and the longest waits, with "and N more" and where to find the rest.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from core.messages import Field, Reply
from core.model import Agreement, Pair, PairStatus, Program
from core.ports import CheckInFact, Seat, UnitOfWork
from core.services.periods import (
    DONE,
    MISSED,
    OPEN,
    PARTIAL,
    PAUSED,
    closed_until,
    settled_status,
    showing,
)
from core.services.wording import cadence_label

SHOWN_RISKS = 10  # pairs at risk named in chat; export has them all
SHOWN_WAITS = 5  # longest-waiting mentees named in chat
SHOWN_MENTORS = 5  # mentors with the most free places named in chat
WATCHED = (PairStatus.ACTIVE, PairStatus.AGREEING, PairStatus.PAUSED)


@dataclass(frozen=True, slots=True)
class PairHealth:
    pair: Pair
    periods_due: int
    done: int
    partial: int
    missed: int
    last_checkin: date | None
    answered_this_period: int
    risk: str | None
    misses_in_a_row: int = 0
    silent_days: int = 0  # days since the last check-in (or since the start)

    @property
    def urgency(self) -> tuple[int, int]:
        """Most urgent first when sorted descending: missed periods, then silence."""
        return (self.misses_in_a_row, self.silent_days)


def pair_health(
    pair: Pair, agreement: Agreement | None, stored: Sequence[CheckInFact], today: date
) -> PairHealth:
    """One pair's check-in record and risk, from its agreement in force and stored check-ins."""
    if agreement is None:
        waited = (today - (pair.started_at or pair.created_at).date()).days
        risk = (
            f"no agreement after {waited} days"
            if pair.status is PairStatus.AGREEING and waited > 7
            else None
        )
        return PairHealth(pair, 0, 0, 0, 0, None, 0, risk, silent_days=waited)
    fill, until = showing(pair, today)
    by_period = {fact.period: fact for fact in stored}
    statuses = {fact.period: fact.status for fact in stored}
    for period in range(closed_until(agreement, until)):
        fact = by_period.get(period)
        statuses[period] = settled_status(
            fact.status if fact else None, fact.answers if fact else 0, fill=fill
        )
    closed = [statuses[period] for period in sorted(statuses) if statuses[period] != OPEN]
    answered_at = [fact.last_answer_at for fact in stored if fact.last_answer_at is not None]
    last = max(answered_at).date() if answered_at else None
    current = by_period.get(agreement.period_of(today))
    trailing = 0
    for status in reversed(closed):
        if status == PAUSED:
            continue
        if status != MISSED:
            break
        trailing += 1
    since = (today - (last or agreement.starts_on)).days
    risk = None
    if pair.status is PairStatus.ACTIVE and today >= agreement.starts_on:
        if trailing >= 2:
            risk = f"missed {trailing} check-ins in a row"
        elif since > agreement.cadence_days * 1.5:
            last_text = (
                f"last check-in {since} days ago" if last else f"no check-in in {since} days"
            )
            risk = f"agreed {cadence_label(agreement.cadence_days)}, {last_text}"
    elif pair.status is PairStatus.PAUSED and trailing >= 2:
        # silence that ended in a pause (mentorhub's or theirs) still needs someone's attention
        risk = f"paused after {trailing} missed check-ins in a row"
    return PairHealth(
        pair,
        sum(1 for status in closed if status != PAUSED),
        closed.count(DONE),
        closed.count(PARTIAL),
        closed.count(MISSED),
        last,
        current.answers if current else 0,
        risk,
        misses_in_a_row=trailing,
        silent_days=max(since, 0),
    )


async def pairs_health(
    uow: UnitOfWork, program: Program, pairs: Sequence[Pair], today: date
) -> list[PairHealth]:
    """The health of ``pairs`` (the program's), in their order. Two statements whatever
    the program's size."""
    assert program.id is not None
    agreements = await uow.views.agreements_in_force(program.id)
    facts = await uow.views.checkin_facts(program.id)
    # Judging thousands of pairs is pure computation: in a thread, the event loop keeps
    # serving everyone else's commands in between (the GIL is handed over every few ms).
    return await asyncio.to_thread(_judge, pairs, agreements, facts, today)


def _judge(
    pairs: Sequence[Pair],
    agreements: dict[int, Agreement],
    facts: dict[int, list[CheckInFact]],
    today: date,
) -> list[PairHealth]:
    return [
        pair_health(pair, agreements.get(pair.id or 0), facts.get(pair.id or 0, ()), today)
        for pair in pairs
    ]


@dataclass(frozen=True, slots=True)
class ProgramHealth:
    """A program at a glance: what status and the weekly digest summarise."""

    program: Program
    now: datetime
    pairs_by_state: dict[PairStatus, int]
    answered: int  # answers this period across active pairs
    expected: int  # two per active pair
    at_risk: list[PairHealth]  # most urgent first
    waiting: int  # mentees waiting for a (re)match
    first_in_line: list[Seat]  # rematches first, then the longest waits
    free_mentors: int  # mentors not away with a free place
    free_places: int  # their free places in all
    most_room: list[Seat]  # those with the most room


async def program_health(uow: UnitOfWork, now: datetime, program: Program) -> ProgramHealth:
    assert program.id is not None
    pairs = await uow.views.pairs(program.id)
    counts: dict[PairStatus, int] = {}
    for pair in pairs:
        counts[pair.status] = counts.get(pair.status, 0) + 1
    watched = [p for p in pairs if p.status in WATCHED]
    health = await pairs_health(uow, program, watched, now.date())
    active = [h for h in health if h.pair.status is PairStatus.ACTIVE]
    at_risk = sorted((h for h in health if h.risk), key=lambda h: h.urgency, reverse=True)
    waiting, first_in_line = await uow.views.waiting_line(program.id, SHOWN_WAITS)
    free_mentors, free_places, most_room = await uow.views.free_places(
        program.id, now, SHOWN_MENTORS
    )
    return ProgramHealth(
        program,
        now,
        counts,
        sum(h.answered_this_period for h in active),
        2 * len(active),
        at_risk,
        waiting,
        first_in_line,
        free_mentors,
        free_places,
        most_room,
    )


async def program_status(uow: UnitOfWork, now: datetime, program: Program, *, title: str) -> Reply:
    """The summary a coordinator reads in chat (``status``, the weekly digest)."""
    health = await program_health(uow, now, program)
    shown = health.at_risk[:SHOWN_RISKS]
    names = await uow.views.names(
        {person for h in shown for person in (h.pair.mentor_id, h.pair.mentee_id)}
    )
    return status_reply(health, names, title=title)


def status_reply(health: ProgramHealth, names: dict[int, str], *, title: str) -> Reply:
    """The summary, bounded whatever the program's size: it fits one message everywhere."""
    program = health.program
    order = list(PairStatus)
    by_state = ", ".join(
        f"{state.value} {health.pairs_by_state[state]:,}"
        for state in order
        if health.pairs_by_state.get(state)
    )
    completion = (
        f"{health.answered:,}/{health.expected:,} answers "
        f"({round(100 * health.answered / health.expected)}%)"
        if health.expected
        else "no active pairs"
    )
    risky = health.at_risk
    lines = [
        f"#{h.pair.id} {_name(names, h.pair.mentor_id)} & {_name(names, h.pair.mentee_id)}: "
        f"{h.risk}"
        for h in risky[:SHOWN_RISKS]
    ]
    if len(risky) > SHOWN_RISKS:
        lines.append(
            f"… and {len(risky) - SHOWN_RISKS:,} more at risk: `export {program.slug}` "
            "lists every pair with its risk."
        )
    risk_text = "\n".join(lines) if lines else "No pair is at risk."
    if risky:
        risk_text = "Most urgent first:\n" + risk_text
    return Reply(
        risk_text,
        title=title,
        fields=(
            Field("Pairs", by_state or "none yet"),
            Field("Check-ins this period", completion),
            Field("At risk", f"{len(risky):,}"),
            Field("Waiting mentees", _waiting_text(health)),
            Field("Mentors with free places", _free_text(health)),
        ),
    )


def _waiting_text(health: ProgramHealth) -> str:
    if not health.waiting:
        return "none"
    shown = []
    for seat in health.first_in_line:
        since = seat.enrollment.waiting_since
        assert since is not None
        rematch = ", rematch" if seat.enrollment.rematch else ""
        shown.append(f"{seat.person.name} ({(health.now - since).days} d{rematch})")
    if health.waiting <= len(shown):
        return ", ".join(shown)
    return (
        f"{health.waiting:,}; first in line: {', '.join(shown)}; "
        f"`suggest {health.program.slug}` for all"
    )


def _free_text(health: ProgramHealth) -> str:
    if not health.free_mentors:
        return "none"
    shown = ", ".join(
        f"{seat.person.name} ({seat.enrollment.capacity - seat.open_pairs})"
        for seat in health.most_room
    )
    if health.free_mentors <= len(health.most_room):
        return shown
    return f"{health.free_mentors:,} mentors, {health.free_places:,} places; most room: {shown}"


def _name(names: dict[int, str], person_id: int) -> str:
    return names.get(person_id, "someone")
