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

from core.i18n import ENGLISH, _, n_, number, p_, translate
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
    # ``risk`` as a message, for chat; ``risk`` itself stays English (the export's cell)
    risk_said: str | None = None

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
        said = (
            n_("no agreement after {count} day", "no agreement after {count} days", waited)
            if pair.status is PairStatus.AGREEING and waited > 7
            else None
        )
        return PairHealth(
            pair, 0, 0, 0, 0, None, 0, _english(said), silent_days=waited, risk_said=said
        )
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
            risk = n_(
                "missed {count} check-in in a row", "missed {count} check-ins in a row", trailing
            )
        elif since > agreement.cadence_days * 1.5:
            cadence = cadence_label(agreement.cadence_days)
            # Translators: a pair's risk; {cadence} is e.g. "weekly" or "every 10 days".
            risk = (
                n_(
                    "agreed {cadence}, last check-in {count} day ago",
                    "agreed {cadence}, last check-in {count} days ago",
                    since,
                    cadence=cadence,
                )
                if last
                else n_(
                    "agreed {cadence}, no check-in in {count} day",
                    "agreed {cadence}, no check-in in {count} days",
                    since,
                    cadence=cadence,
                )
            )
    elif pair.status is PairStatus.PAUSED and trailing >= 2:
        # silence that ended in a pause (mentorhub's or theirs) still needs someone's attention
        risk = n_(
            "paused after {count} missed check-in in a row",
            "paused after {count} missed check-ins in a row",
            trailing,
        )
    return PairHealth(
        pair,
        sum(1 for status in closed if status != PAUSED),
        closed.count(DONE),
        closed.count(PARTIAL),
        closed.count(MISSED),
        last,
        current.answers if current else 0,
        _english(risk),
        misses_in_a_row=trailing,
        silent_days=max(since, 0),
        risk_said=risk,
    )


def _english(said: str | None) -> str | None:
    return translate(said, ENGLISH) if said is not None else None


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
        # Translators: a count of pairs in one state, e.g. "active 12".
        _("{state} {count}", state=_STATES[state], count=number(health.pairs_by_state[state]))
        for state in order
        if health.pairs_by_state.get(state)
    )
    completion = (
        n_(
            "{answered}/{count} answers ({percent}%)",
            "{answered}/{count} answers ({percent}%)",
            health.expected,
            answered=number(health.answered),
            percent=round(100 * health.answered / health.expected),
        )
        if health.expected
        else _("no active pairs")
    )
    risky = health.at_risk
    lines = [
        f"#{h.pair.id} {_name(names, h.pair.mentor_id)} & {_name(names, h.pair.mentee_id)}: "
        f"{h.risk_said or h.risk}"
        for h in risky[:SHOWN_RISKS]
    ]
    if len(risky) > SHOWN_RISKS:
        lines.append(
            n_(
                "… and {count} more at risk: `export {program}` lists every pair with its risk.",
                "… and {count} more at risk: `export {program}` lists every pair with its risk.",
                len(risky) - SHOWN_RISKS,
                program=program.slug,
            )
        )
    if lines:
        risk_text = "\n".join([_("Most urgent first:"), *lines])
    else:
        risk_text = _("No pair is at risk.")
    return Reply(
        risk_text,
        title=title,
        fields=(
            Field(_("Pairs"), by_state or _("none yet")),
            Field(_("Check-ins this period"), completion),
            Field(_("At risk"), number(len(risky))),
            Field(_("Waiting mentees"), _waiting_text(health)),
            Field(_("Mentors with free places"), _free_text(health)),
        ),
    )


# Pair states as coordinators read them (the values stay as stored).
_STATES = {
    PairStatus.AWAITING: p_("pair state", "awaiting"),
    PairStatus.DECLINED: p_("pair state", "declined"),
    PairStatus.EXPIRED: p_("pair state", "expired"),
    PairStatus.AGREEING: p_("pair state", "agreeing"),
    PairStatus.ACTIVE: p_("pair state", "active"),
    PairStatus.PAUSED: p_("pair state", "paused"),
    PairStatus.ENDED: p_("pair state", "ended"),
}


def _waiting_text(health: ProgramHealth) -> str:
    if not health.waiting:
        return _("none")
    shown = []
    for seat in health.first_in_line:
        since = seat.enrollment.waiting_since
        assert since is not None
        days = (health.now - since).days
        if seat.enrollment.rematch:
            # Translators: a waiting mentee, the days they waited (short) and that they
            # wait for a new mentor after a pair ended, e.g. "Dana (12 d, rematch)".
            shown.append(_("{name} ({days} d, rematch)", name=seat.person.name, days=days))
        else:
            # Translators: a waiting mentee and the days they waited (short): "Dana (12 d)".
            shown.append(_("{name} ({days} d)", name=seat.person.name, days=days))
    if health.waiting <= len(shown):
        return ", ".join(shown)
    return _(
        "{count}; first in line: {names}; `suggest {program}` for all",
        count=number(health.waiting),
        names=", ".join(shown),
        program=health.program.slug,
    )


def _free_text(health: ProgramHealth) -> str:
    if not health.free_mentors:
        return _("none")
    shown = ", ".join(
        f"{seat.person.name} ({seat.enrollment.capacity - seat.open_pairs})"
        for seat in health.most_room
    )
    if health.free_mentors <= len(health.most_room):
        return shown
    return n_(
        "{count} mentor, {places}; most room: {names}",
        "{count} mentors, {places}; most room: {names}",
        health.free_mentors,
        places=n_("{count} place", "{count} places", health.free_places),
        names=shown,
    )


def _name(names: dict[int, str], person_id: int) -> str:
    return names.get(person_id) or _("someone")
