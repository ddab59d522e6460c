"""Check-in periods: what each closed period counts as, and recording it (settling).

Periods come from the agreement in force (start + n x cadence). A closed period with both
answers is done, with one partial, with none missed — or paused, while a pause froze the
cadence. Settling writes that down. It happens when a period closes (the period-close due
item) and when a pause starts or ends, the only moments at which we know which periods
the pause covered (see core/services/pauses.py). Whatever only shows periods — status,
export, the digest, ``checkins`` — reads :func:`checkins_to_show` (built on
:func:`checkins_as_settled`), which computes the same answer without writing, so no
reader decides what a period was.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from core.model import Agreement, CheckIn, Pair, PairStatus
from core.ports import UnitOfWork

OPEN, DONE, PARTIAL, MISSED, PAUSED = "open", "done", "partial", "missed", "paused"


def closed_until(agreement: Agreement, today: date) -> int:
    """How many of the agreement's periods have closed by ``today``."""
    if today >= agreement.ends_on:
        return agreement.period_count
    return min(max(agreement.period_of(today), 0), agreement.period_count)


def settled_status(stored: str | None, answers: int, *, fill: str = MISSED) -> str:
    """What a closed period counts as: its stored status once settled, else by its answers
    (``stored`` None: no row, nobody answered)."""
    if stored is not None and stored != OPEN:
        return stored
    return DONE if answers >= 2 else PARTIAL if answers else fill


async def checkins_as_settled(
    uow: UnitOfWork, pair: Pair, agreement: Agreement, today: date, *, fill: str = MISSED
) -> list[CheckIn]:
    """The pair's check-ins, by period, as they stand once every period that closed before
    ``today`` is settled: stored rows as they are, unsettled ones as settling would record
    them (new ones unsaved, with ``id`` None). Reads only."""
    assert pair.id is not None
    existing = {c.period: c for c in await uow.checkins.of_pair(pair.id)}
    result = dict(existing)
    for period in range(closed_until(agreement, today)):
        checkin = existing.get(period)
        if checkin is None:
            opens, closes = agreement.period_bounds(period)
            result[period] = CheckIn(pair.id, period, opens, closes, status=fill)
        elif checkin.status == OPEN:
            assert checkin.id is not None
            answered = len(await uow.answers.of_checkin(checkin.id))
            result[period] = replace(checkin, status=settled_status(OPEN, answered, fill=fill))
    return [result[period] for period in sorted(result)]


async def settle_periods(
    uow: UnitOfWork, pair: Pair, agreement: Agreement, today: date, *, fill: str = MISSED
) -> list[CheckIn]:
    """Record every period that closed before ``today``; returns the rows it wrote."""
    assert pair.id is not None
    stored = {c.period: c.status for c in await uow.checkins.of_pair(pair.id)}
    changed = []
    for checkin in await checkins_as_settled(uow, pair, agreement, today, fill=fill):
        if checkin.id is None:
            changed.append(await uow.checkins.add(checkin))
        elif stored.get(checkin.period) != checkin.status:
            await uow.checkins.save(checkin)
            changed.append(checkin)
    return changed


async def checkins_to_show(
    uow: UnitOfWork, pair: Pair, agreement: Agreement, today: date
) -> list[CheckIn]:
    """What a reader shows for the pair today: a paused pair's unsettled periods count as
    paused; an ended pair's periods stop at its end."""
    fill, today = showing(pair, today)
    return await checkins_as_settled(uow, pair, agreement, today, fill=fill)


def showing(pair: Pair, today: date) -> tuple[str, date]:
    """How readers count a pair's unsettled periods, and up to which day."""
    fill = PAUSED if pair.status is PairStatus.PAUSED else MISSED
    if pair.status is PairStatus.ENDED and pair.ended_at is not None:
        today = min(today, pair.ended_at.date())
    return fill, today


async def trailing_misses(uow: UnitOfWork, pair: Pair, person_id: int) -> int:
    """Settled periods in a row (newest first, pauses skipped) this person didn't answer."""
    assert pair.id is not None
    misses = 0
    for checkin in reversed(await uow.checkins.of_pair(pair.id)):
        if checkin.status in (OPEN, PAUSED):
            continue
        assert checkin.id is not None
        if any(a.person_id == person_id for a in await uow.answers.of_checkin(checkin.id)):
            break
        misses += 1
    return misses


async def answered(uow: UnitOfWork, pair: Pair, period: int, person_id: int) -> bool:
    """Whether ``person_id`` has answered the pair's check-in ``period``."""
    assert pair.id is not None
    for checkin in await uow.checkins.of_pair(pair.id):
        if checkin.period == period and checkin.id is not None:
            answers = await uow.answers.of_checkin(checkin.id)
            return any(answer.person_id == person_id for answer in answers)
    return False
