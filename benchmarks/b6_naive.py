"""The per-row `status` mentorhub shipped before B6: a query per pair, per check-in and per
person. Kept only so B6 can set it beside the set-based read models in the same run; the
product no longer uses it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from core.messages import Field, Reply
from core.model import Pair, PairStatus, Program, Role
from core.ports import UnitOfWork
from core.services.lookups import agreement_in_force, names
from core.services.pairing import is_paused, matched_count
from core.services.periods import DONE, MISSED, OPEN, PARTIAL, PAUSED, checkins_to_show
from core.services.wording import cadence_label


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


async def pair_health(uow: UnitOfWork, pair: Pair, today: date) -> PairHealth:
    assert pair.id is not None
    agreement = await agreement_in_force(uow, pair)
    if agreement is None:
        waited = (today - (pair.started_at or pair.created_at).date()).days
        risk = (
            f"no agreement after {waited} days"
            if pair.status is PairStatus.AGREEING and waited > 7
            else None
        )
        return PairHealth(pair, 0, 0, 0, 0, None, 0, risk)
    checkins = await checkins_to_show(uow, pair, agreement, today)
    closed = [c for c in checkins if c.status != OPEN]
    last: date | None = None
    answered_now = 0
    current = agreement.period_of(today)
    for checkin in checkins:
        answers = await uow.answers.of_checkin(checkin.id) if checkin.id is not None else []
        if answers:
            last = max(last or date.min, *(a.submitted_at.date() for a in answers))
        if checkin.period == current:
            answered_now = len(answers)
    trailing = 0
    for checkin in reversed(closed):
        if checkin.status == PAUSED:
            continue
        if checkin.status != MISSED:
            break
        trailing += 1
    risk = None
    if pair.status is PairStatus.ACTIVE and today >= agreement.starts_on:
        since = (today - (last or agreement.starts_on)).days
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
        len([c for c in closed if c.status != PAUSED]),
        len([c for c in closed if c.status == DONE]),
        len([c for c in closed if c.status == PARTIAL]),
        len([c for c in closed if c.status == MISSED]),
        last,
        answered_now,
        risk,
    )


async def program_status(uow: UnitOfWork, now: datetime, program: Program, *, title: str) -> Reply:
    """Pairs by state, this period's check-ins, risks, waiting mentees, free mentors."""
    assert program.id is not None
    today = now.date()
    pairs = await uow.pairs.of_program(program.id)
    counts: dict[str, int] = {}
    for pair in pairs:
        counts[pair.status.value] = counts.get(pair.status.value, 0) + 1
    active = [p for p in pairs if p.status is PairStatus.ACTIVE]
    health = [
        await pair_health(uow, p, today)
        for p in pairs
        if p.status in (PairStatus.ACTIVE, PairStatus.AGREEING, PairStatus.PAUSED)
    ]
    answered = sum(h.answered_this_period for h in health if h.pair.status is PairStatus.ACTIVE)
    expected = 2 * len(active)
    completion = (
        f"{answered}/{expected} answers ({round(100 * answered / expected)}%)"
        if expected
        else "no active pairs"
    )
    risky = [h for h in health if h.risk]
    risk_lines = []
    for h in risky:
        label = " & ".join(await names(uow, h.pair.mentor_id, h.pair.mentee_id))
        risk_lines.append(f"#{h.pair.id} {label}: {h.risk}")
    waiting = [
        e for e in await uow.enrollments.of_program(program.id, Role.MENTEE) if e.waiting_since
    ]
    waiting.sort(key=lambda e: (not e.rematch, e.waiting_since))
    waiting_lines = []
    for enrollment in waiting:
        assert enrollment.waiting_since is not None
        (name,) = await names(uow, enrollment.person_id)
        days = (now - enrollment.waiting_since).days
        waiting_lines.append(f"{name} ({days} d{', rematch' if enrollment.rematch else ''})")
    free_lines = []
    for enrollment in await uow.enrollments.of_program(program.id, Role.MENTOR):
        mentor = await uow.people.get(enrollment.person_id)
        if mentor is None or is_paused(mentor, now):
            continue  # away: not free for anyone until they're back
        free = enrollment.capacity - await matched_count(uow, program, enrollment.person_id)
        if free > 0:
            free_lines.append(f"{mentor.name} ({free})")
    order = [s.value for s in PairStatus]
    by_state = (
        ", ".join(f"{state} {counts[state]}" for state in order if state in counts) or "none yet"
    )
    return Reply(
        "\n".join(risk_lines) if risk_lines else "No pair is at risk.",
        title=title,
        fields=(
            Field("Pairs", by_state),
            Field("Check-ins this period", completion),
            Field("At risk", str(len(risky))),
            Field("Waiting mentees", ", ".join(waiting_lines) or "none"),
            Field("Mentors with free places", ", ".join(free_lines) or "none"),
        ),
    )
