"""What the operations port asks of the database: a trivial query for readiness, a few
cheap counts for the metrics scrape, and handing back a stopping worker's leases."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, func, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine

from core.ports import DueStatus
from storage.db import READ_ONLY
from storage.repositories.base import _table
from storage.tables import DueItemRow, EnrollmentRow, OutboxRow, PairRow, ProgramRow

OPEN_PAIR_STATUSES = ("agreeing", "active", "paused")


def _reader(engine: AsyncEngine) -> AsyncEngine:
    """Reads beside the writers (on SQLite a plain BEGIN, not BEGIN IMMEDIATE): a probe
    must neither wait for a long write nor hold one up."""
    return engine.execution_options(**{READ_ONLY: True})


async def ping(engine: AsyncEngine) -> None:
    """Raises unless the database answers ``SELECT 1``."""
    async with _reader(engine).connect() as connection:
        await connection.execute(text("SELECT 1"))


@dataclass(frozen=True, slots=True)
class Snapshot:
    outbox_pending: int = 0
    outbox_oldest_due: datetime | None = None
    due_now: dict[str, int] = field(default_factory=dict)  # by kind
    active_programs: int = 0
    open_pairs: int = 0
    active_people: int = 0


async def snapshot(engine: AsyncEngine, now: datetime) -> Snapshot:
    """The gauges of a scrape. Each is one indexed count or min (status and due time are
    indexed), so a scrape costs a few milliseconds however large the tables are."""
    outbox, due = _table(OutboxRow), _table(DueItemRow)
    programs, pairs, enrolments = _table(ProgramRow), _table(PairRow), _table(EnrollmentRow)
    waiting = outbox.c.status == "pending"
    async with _reader(engine).connect() as connection:
        pending, oldest = (
            await connection.execute(
                select(func.count(), func.min(outbox.c.next_attempt_at)).where(waiting)
            )
        ).one()
        by_kind = await connection.execute(
            select(due.c.kind, func.count())
            .where(due.c.status == DueStatus.SCHEDULED, due.c.due_at <= now)
            .group_by(due.c.kind)
        )
        running = or_(programs.c.ends_on.is_(None), programs.c.ends_on >= now.date())
        active_programs = await connection.scalar(select(func.count()).where(running))
        open_pairs = await connection.scalar(
            select(func.count()).where(pairs.c.status.in_(OPEN_PAIR_STATUSES))
        )
        people = await connection.scalar(
            select(func.count(func.distinct(enrolments.c.person_id))).where(enrolments.c.active)
        )
    return Snapshot(
        outbox_pending=int(pending or 0),
        outbox_oldest_due=_aware(oldest, now),
        due_now={str(row[0]): int(row[1]) for row in by_kind.all()},
        active_programs=int(active_programs or 0),
        open_pairs=int(open_pairs or 0),
        active_people=int(people or 0),
    )


def _aware(moment: datetime | None, like: datetime) -> datetime | None:
    """SQLite hands back naive UTC through a raw min(); the column type isn't applied."""
    if moment is None:
        return None
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=like.tzinfo)


@dataclass(frozen=True, slots=True)
class Released:
    outbox: int
    outbox_sending: int
    due: int


async def release_leases(engine: AsyncEngine, worker: str, now: datetime) -> Released:
    """Hand back what ``worker`` still holds as it stops, so no row waits out a lease.

    Claimed outbox rows not yet being sent go back to pending, unleased. A row left
    "sending" (its send was cut short: it may or may not have reached the platform) keeps
    its holder with a lease that ends now, so the next pass's recovery asks the platform
    at once. Claimed due items go back to scheduled, the claim's attempt not counted.
    """
    outbox, due = _table(OutboxRow), _table(DueItemRow)
    ours = outbox.c.locked_by == worker
    async with engine.begin() as connection:
        released = await connection.execute(
            update(outbox)
            .where(ours, outbox.c.status == "pending")
            .values(locked_by=None, locked_until=None)
        )
        expired = await connection.execute(
            update(outbox).where(ours, outbox.c.status == "sending").values(locked_until=now)
        )
        unclaimed = await connection.execute(
            update(due)
            .where(and_(due.c.locked_by == worker, due.c.status == DueStatus.CLAIMED))
            .values(
                status=DueStatus.SCHEDULED,
                locked_by=None,
                locked_until=None,
                attempts=func.max(due.c.attempts - 1, 0)
                if engine.dialect.name == "sqlite"
                else func.greatest(due.c.attempts - 1, 0),
                updated_at=now,
            )
        )
    return Released(
        outbox=int(released.rowcount or 0),
        outbox_sending=int(expired.rowcount or 0),
        due=int(unclaimed.rowcount or 0),
    )
