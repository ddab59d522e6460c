"""The due table (core.ports.DueItems): what to act on, for whom, when."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Collection, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Integer,
    String,
    Table,
    and_,
    bindparam,
    exists,
    func,
    or_,
    type_coerce,
    update,
)
from sqlalchemy import delete as sa_delete
from sqlalchemy import select as sa_select
from sqlmodel.ext.asyncio.session import AsyncSession

from core.ports import DueItem, DueStatus
from storage.repositories.base import _table
from storage.repositories.leasing import _Leased
from storage.tables import DueItemRow


def _processor(column_type: Any, dialect: Any) -> Callable[[Any], Any]:
    """The bind processor SQLAlchemy would apply to a value of ``column_type``."""
    process = column_type.dialect_impl(dialect).bind_processor(dialect)
    return process if process is not None else (lambda value: value)


@functools.cache
def _upsert_sql(paramstyle: str) -> str:
    """Insert a due item, or move it (see DueItems.schedule): the same SQL on SQLite and
    PostgreSQL, in the driver's parameter style."""
    marks = [f"${n}" if paramstyle == "numeric_dollar" else "?" for n in range(1, 9)]
    final = ", ".join(f"'{status}'" for status in sorted(DueStatus.FINAL))
    return (
        "INSERT INTO due_item (subject, kind, period, person_id, due_at, payload, status, "  # noqa: S608 - only constants are spliced in; values are bound
        f"attempts, created_at, updated_at) VALUES ({marks[0]}, {marks[1]}, {marks[2]}, "
        f"{marks[3]}, {marks[4]}, {marks[5]}, '{DueStatus.SCHEDULED}', 0, {marks[6]}, "
        f"{marks[7]}) "
        "ON CONFLICT (subject, kind, period, person_id) DO UPDATE SET "
        "due_at = excluded.due_at, payload = excluded.payload, "
        f"status = '{DueStatus.SCHEDULED}', attempts = 0, locked_by = NULL, "
        "locked_until = NULL, updated_at = excluded.updated_at "
        f"WHERE due_item.status NOT IN ({final}) AND ("
        f"due_item.status = '{DueStatus.CANCELLED}' OR due_item.due_at != excluded.due_at "
        "OR due_item.payload != excluded.payload)"
    )


COALESCE_MIN_GAP = timedelta(hours=1)


def _claim_columns(t: Table) -> list[Any]:
    """What a claim reads back: only what a DueItem carries and the claim did not just
    write. due_at and payload come back raw (see _utc, _json_dict): converting a thousand
    rows through the generic type processors cost a third of the claim."""
    return [
        t.c.id,
        t.c.subject,
        t.c.kind,
        t.c.period,
        t.c.person_id,
        type_coerce(t.c.due_at, String),
        type_coerce(t.c.payload, String),
        t.c.attempts,
    ]


@functools.cache
def _claim_statements(dialect: str) -> tuple[Any, Any, Any]:
    """What a claim runs — the catch-up coalescing, then the claim of expired leases and
    of due items — built once per dialect with bound parameters (now, cutoff, until,
    worker, room). Building and cache-keying these statements anew on every claim cost
    more than the SQL of a poll that finds nothing."""
    t = _table(DueItemRow)
    now = bindparam("now", type_=t.c.due_at.type)
    cutoff = bindparam("cutoff", type_=t.c.due_at.type)
    until = bindparam("until", type_=t.c.locked_until.type)
    worker = bindparam("worker", type_=t.c.locked_by.type)
    room = bindparam("room", type_=Integer)

    # Catch-up after downtime (see SqlDueItems._coalesce).
    later = t.alias("later")
    overdue = or_(
        and_(t.c.status == DueStatus.SCHEDULED, t.c.due_at <= cutoff),
        and_(t.c.status == DueStatus.CLAIMED, t.c.locked_until < now),
    )
    superseded = exists().where(
        later.c.subject == t.c.subject,
        later.c.kind == t.c.kind,
        later.c.person_id == t.c.person_id,
        later.c.period > t.c.period,
        later.c.due_at <= now,
        later.c.status != DueStatus.CANCELLED,
    )
    stale = sa_select(t.c.id).where(overdue, superseded)
    if dialect == "postgresql":
        stale = stale.with_for_update(skip_locked=True, of=t)
    coalesce = (
        update(t)
        .where(t.c.id.in_(stale))
        .values(status=DueStatus.MISSED, locked_by=None, locked_until=None, updated_at=now)
    )

    claims = []
    for condition in (
        and_(t.c.status == DueStatus.CLAIMED, t.c.locked_until < now),  # a worker died
        and_(t.c.status == DueStatus.SCHEDULED, t.c.due_at <= now),
    ):
        picked = sa_select(t.c.id).where(condition).order_by(t.c.due_at, t.c.id).limit(room)
        if dialect == "postgresql":
            picked = picked.with_for_update(skip_locked=True, of=t)
        claims.append(
            update(t)
            .where(t.c.id.in_(picked))
            .values(
                status=DueStatus.CLAIMED,
                locked_by=worker,
                locked_until=until,
                attempts=t.c.attempts + 1,
                updated_at=now,
            )
            .returning(*_claim_columns(t))
        )
    return coalesce, claims[0], claims[1]


@functools.cache
def _complete_statement(dialect: str, by_worker: bool) -> Any:
    """DueItems.complete's statement, built once (see _claim_statements): the ids are
    one bound parameter (see _Leased.among_param), as are status, now and worker."""
    t = _table(DueItemRow)
    conditions = [_Leased.among_param(t.c.id, dialect, "ids"), t.c.status == DueStatus.CLAIMED]
    if by_worker:
        conditions.append(t.c.locked_by == bindparam("worker", type_=t.c.locked_by.type))
    return (
        update(t)
        .where(*conditions)
        .values(
            status=bindparam("final", type_=t.c.status.type),
            locked_by=None,
            locked_until=None,
            updated_at=bindparam("now", type_=t.c.updated_at.type),
        )
        .returning(t.c.id)
    )


@functools.cache
def _hold_statement(dialect: str) -> Any:
    """DueItems.hold's statement, built once (see _complete_statement)."""
    t = _table(DueItemRow)
    return (
        update(t)
        .where(
            _Leased.among_param(t.c.id, dialect, "ids"),
            t.c.status == DueStatus.CLAIMED,
            t.c.locked_by == bindparam("worker", type_=t.c.locked_by.type),
        )
        .values(
            locked_until=bindparam("until", type_=t.c.locked_until.type),
            updated_at=bindparam("now", type_=t.c.updated_at.type),
        )
        .returning(t.c.id)
    )


def _utc(value: Any) -> datetime:
    """A due_at as the driver returns it: text on SQLite (naive UTC), datetime on PG."""
    if isinstance(value, str):  # parsing with the offset is ~8× faster than .replace()
        return datetime.fromisoformat(value + "+00:00")
    assert isinstance(value, datetime)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _json_dict(value: Any) -> dict[str, Any]:
    """A payload as the driver returns it (JSON text, or already decoded). Payloads of
    one batch are mostly alike, so decoded text is remembered (and copied out)."""
    if not isinstance(value, str):
        return dict(value or {})
    decoded = _PAYLOADS.get(value)
    if decoded is None:
        decoded = dict(json.loads(value) or {})
        flat = all(isinstance(v, str | int | float | bool | None) for v in decoded.values())
        if flat and len(_PAYLOADS) < 4096:  # a shallow copy is a full copy only when flat
            _PAYLOADS[value] = decoded
    return dict(decoded)


_PAYLOADS: dict[str, dict[str, Any]] = {}


class SqlDueItems(_Leased):
    """The due table (core.ports.DueItems) on SQLite and PostgreSQL."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def schedule(self, items: Sequence[DueItem], *, now: datetime) -> None:
        """One upsert per item, sent as a single driver-level executemany.

        Going around SQLAlchemy's per-row parameter handling makes 100k schedules about
        five times faster; the column types' own bind processors still format each value,
        so what is stored is exactly what the ORM would store.
        """
        if not items:
            return
        connection = await self.session.connection()
        dialect = connection.dialect
        t = _table(DueItemRow)
        as_time = _processor(t.c.due_at.type, dialect)
        as_json = _processor(t.c.payload.type, dialect)
        stamp = as_time(now)
        rows = [
            (
                item.subject,
                item.kind,
                item.period,
                item.person_id,
                as_time(item.due_at),
                as_json(item.payload),
                stamp,
                stamp,
            )
            for item in items
        ]
        await connection.exec_driver_sql(_upsert_sql(dialect.paramstyle), rows)

    async def cancel(
        self,
        subject: str,
        kinds: Collection[str] | None = None,
        from_period: int | None = None,
        *,
        now: datetime,
        person_id: int | None = None,
    ) -> int:
        t = _table(DueItemRow)
        conditions = [
            t.c.subject == subject,
            t.c.status.in_((DueStatus.SCHEDULED, DueStatus.CLAIMED)),
        ]
        if kinds is not None:
            conditions.append(t.c.kind.in_(list(kinds)))
        if from_period is not None:
            conditions.append(t.c.period >= from_period)
        if person_id is not None:
            conditions.append(t.c.person_id == person_id)
        statement = (
            update(t)
            .where(*conditions)
            .values(status=DueStatus.CANCELLED, locked_by=None, locked_until=None, updated_at=now)
        )
        return int((await self._run(statement)).rowcount or 0)

    async def claim(
        self, *, now: datetime, limit: int, worker: str, lease: timedelta
    ) -> list[DueItem]:
        await self._coalesce(now)
        _, *claims = _claim_statements(self.dialect)
        until = now + lease
        claimed: list[DueItem] = []
        for statement in claims:  # expired leases first, then due items
            room = limit - len(claimed)
            if room <= 0:
                break
            params = {"now": now, "until": until, "worker": worker, "room": room}
            claimed.extend(
                # positional: this runs for every claimed row, and mappings cost 3× more
                DueItem(
                    subject,
                    kind,
                    period,
                    person,
                    _utc(due_at),
                    _json_dict(payload),
                    DueStatus.CLAIMED,
                    attempts,
                    worker,
                    until,
                    item_id,
                )
                for item_id, subject, kind, period, person, due_at, payload, attempts in (
                    await self._run(statement, params)
                ).all()
            )
        return sorted(claimed, key=lambda item: (item.due_at, item.id or 0))

    async def _coalesce(self, now: datetime) -> None:
        """Catch-up after downtime: of several overdue periods of one (subject, kind,
        person) only the latest is acted on; the earlier ones are recorded as missed.

        Periods of one (subject, kind, person) are at least COALESCE_MIN_GAP apart, so an
        item superseded by a later one that is due is itself due since that long: only
        such items need the (index-probing) check. In normal running, when items are
        claimed seconds after they come due, there are none and this costs one probe.
        """
        coalesce, _, _ = _claim_statements(self.dialect)
        await self._run(coalesce, {"now": now, "cutoff": now - COALESCE_MIN_GAP})

    async def hold(
        self, ids: Collection[int], *, now: datetime, worker: str, lease: timedelta
    ) -> list[int]:
        if not ids:
            return []
        params = {"ids": self._ids_value(ids), "until": now + lease, "now": now, "worker": worker}
        return await self._ids(_hold_statement(self.dialect), params)

    async def complete(
        self, ids: Collection[int], status: str, *, now: datetime, worker: str | None = None
    ) -> list[int]:
        if status not in (*DueStatus.FINAL, DueStatus.CANCELLED):
            raise ValueError(f"not a final status: {status!r}")
        if not ids:
            return []
        statement = _complete_statement(self.dialect, worker is not None)
        params = {"ids": self._ids_value(ids), "final": status, "now": now, "worker": worker}
        return await self._ids(statement, params)

    async def defer(self, item_id: int, until: datetime, *, now: datetime, worker: str) -> bool:
        t = _table(DueItemRow)
        statement = (
            update(t)
            .where(t.c.id == item_id, t.c.status == DueStatus.CLAIMED, t.c.locked_by == worker)
            .values(
                status=DueStatus.SCHEDULED,
                due_at=until,
                attempts=0,
                locked_by=None,
                locked_until=None,
                updated_at=now,
            )
            .returning(t.c.id)
        )
        return (await self._run(statement)).scalar_one_or_none() is not None

    async def for_subject(self, subject: str) -> list[DueItem]:
        t = _table(DueItemRow)
        statement = (
            sa_select(*t.c).where(t.c.subject == subject).order_by(t.c.period, t.c.kind, t.c.id)
        )
        return [self._item(r) for r in (await self._run(statement)).mappings()]

    async def find(self, subject: str, kind: str, period: int, person_id: int) -> DueItem | None:
        t = _table(DueItemRow)
        statement = sa_select(*t.c).where(
            t.c.subject == subject,
            t.c.kind == kind,
            t.c.period == period,
            t.c.person_id == person_id,
        )  # the unique key's index
        row = (await self._run(statement)).mappings().first()
        return self._item(row) if row is not None else None

    async def next_due_at(self, after: datetime | None = None) -> datetime | None:
        t = _table(DueItemRow)
        statement = sa_select(func.min(t.c.due_at)).where(t.c.status == DueStatus.SCHEDULED)
        if after is not None:
            statement = statement.where(t.c.due_at > after)
        value = (await self._run(statement)).scalar_one_or_none()
        return value if isinstance(value, datetime) else None

    async def purge(self, *, before: datetime) -> int:
        t = _table(DueItemRow)
        statement = sa_delete(t).where(
            t.c.status.in_((*DueStatus.FINAL, DueStatus.CANCELLED)), t.c.updated_at < before
        )
        return int((await self._run(statement)).rowcount or 0)

    @staticmethod
    def _item(values: Any) -> DueItem:
        return DueItem(
            subject=values["subject"],
            kind=values["kind"],
            period=values["period"],
            person_id=values["person_id"],
            due_at=values["due_at"],
            payload=dict(values["payload"] or {}),
            status=values["status"],
            attempts=values["attempts"],
            locked_by=values["locked_by"],
            locked_until=values["locked_until"],
            id=values["id"],
        )
