"""The outbox (core.ports.Outbox): messages to deliver, claimed by workers with a lease."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, func, or_, update
from sqlalchemy import delete as sa_delete
from sqlalchemy import select as sa_select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select

from core.messages import EPHEMERAL
from core.ports import OutboxMessage
from storage.mapping import to_row
from storage.repositories.base import _chunks, _Repo, _table
from storage.repositories.leasing import _Leased
from storage.tables import OutboxRow


class _Bookkeeping:
    """The delivery worker's statements for a group commit, built once per dialect: building
    and hashing a statement costs more than running it. The pre-selects lock the rows
    they find until the commit (PostgreSQL: FOR UPDATE; SQLite: BEGIN IMMEDIATE already
    holds the database), so the executemany that follows writes exactly those."""

    def __init__(self, dialect: str) -> None:
        t = _table(OutboxRow)
        among = t.c.id.in_(bindparam("ids", expanding=True))
        ours = t.c.locked_by == bindparam("holder")
        self.held: Any = sa_select(t.c.id).where(among, ours)
        self.markable: Any = sa_select(t.c.id, t.c.attempts).where(
            among, ours, t.c.status == "pending"
        )
        if dialect == "postgresql":
            self.held = self.held.with_for_update()
            self.markable = self.markable.with_for_update()
        this_row = (t.c.id == bindparam("row_id"), ours)
        self.mark: Any = (
            update(t)
            .where(*this_row, t.c.status == "pending")
            .values(
                status="sending",
                account_id=bindparam("new_account_id"),
                attempts=t.c.attempts + 1,
                next_attempt_at=bindparam("attempted_at"),
                locked_until=bindparam("new_locked_until"),
            )
        )
        self.release: Any = (
            update(t)
            .where(*this_row)
            .values(
                status=bindparam("new_status"),
                attempts=bindparam("new_attempts"),
                next_attempt_at=bindparam("new_next_attempt_at"),
                sent_at=bindparam("new_sent_at"),
                last_error=bindparam("new_last_error"),
                account_id=bindparam("new_account_id"),
                locked_by=None,
                locked_until=None,
            )
        )


_BOOKKEEPING: dict[str, _Bookkeeping] = {}


def _bookkeeping(dialect: str) -> _Bookkeeping:
    found = _BOOKKEEPING.get(dialect)
    if found is None:
        found = _BOOKKEEPING[dialect] = _Bookkeeping(dialect)
    return found


class SqlOutbox(_Repo[OutboxMessage, OutboxRow], _Leased):
    domain, row = OutboxMessage, OutboxRow
    FINISHED = ("sent", "uncertain", "failed", "unreachable")

    async def add(self, message: OutboxMessage) -> bool:  # type: ignore[override]
        if message.next_attempt_at is None:  # due now: claim() only looks at due rows
            message.next_attempt_at = message.created_at
        values = {k: v for k, v in to_row(message, OutboxRow).model_dump().items() if k != "id"}
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = (
            insert(OutboxRow)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["person_id", "key"])
            .returning(OutboxRow.__table__.c.id)  # type: ignore[attr-defined]
        )
        inserted = (await self.session.exec(statement)).scalar_one_or_none()
        if inserted is not None:
            message.id = int(inserted)
        return inserted is not None

    async def add_many(self, messages: Sequence[OutboxMessage]) -> int:
        if not messages:
            return 0
        t = _table(OutboxRow)
        rows = [
            {
                "person_id": m.person_id,
                "key": m.key,
                "kind": m.kind,
                "payload": m.payload,
                "status": m.status,
                "attempts": m.attempts,
                "created_at": m.created_at,
                "next_attempt_at": m.next_attempt_at or m.created_at,
            }
            for m in messages
        ]
        insert = postgresql.insert if self.dialect == "postgresql" else sqlite.insert
        # One statement, executed for all rows: SQLAlchemy compiles it once (cached) and
        # sends the rows as multi-row VALUES pages of bounded size ("insertmanyvalues").
        # Building .values(rows) instead compiled a fresh 4,000-parameter statement per
        # batch, which was most of a dispatch worker's CPU.
        statement = (
            insert(t).on_conflict_do_nothing(index_elements=["person_id", "key"]).returning(t.c.id)
        )
        return len((await self._run(statement, rows)).all())

    async def claim(
        self, *, now: datetime, limit: int, worker: str, lease: timedelta
    ) -> list[OutboxMessage]:
        t = _table(OutboxRow)
        due = and_(
            t.c.status == "pending",
            t.c.next_attempt_at <= now,
            or_(t.c.locked_until.is_(None), t.c.locked_until < now),
        )
        picked = self._pick(t, due, (t.c.next_attempt_at, t.c.id), limit)
        statement = (
            update(t)
            .where(t.c.id.in_(picked))
            .values(locked_by=worker, locked_until=now + lease)
            .returning(*t.c)
        )
        rows = await self._returning_rows(statement)
        return sorted((self._message(r) for r in rows), key=lambda m: m.id or 0)

    async def stuck(
        self, *, now: datetime, limit: int, worker: str, lease: timedelta
    ) -> list[OutboxMessage]:
        t = _table(OutboxRow)
        abandoned = and_(t.c.status == "sending", t.c.locked_until < now)
        picked = self._pick(t, abandoned, (t.c.id,), limit)
        statement = (
            update(t)
            .where(t.c.id.in_(picked))
            .values(locked_by=worker, locked_until=now + lease)
            .returning(*t.c)
        )
        return [self._message(r) for r in await self._returning_rows(statement)]

    async def mark_sending(
        self, message_id: int, *, worker: str, account_id: int, now: datetime, lease: timedelta
    ) -> int | None:
        t = _table(OutboxRow)
        statement = (
            update(t)
            .where(t.c.id == message_id, t.c.locked_by == worker, t.c.status == "pending")
            .values(
                status="sending",
                account_id=account_id,
                attempts=t.c.attempts + 1,
                next_attempt_at=now,
                locked_until=now + lease,
            )
            .returning(t.c.attempts)
        )
        attempts = (await self._run(statement)).scalar_one_or_none()
        return None if attempts is None else int(attempts)

    async def mark_sending_many(
        self, accounts: Mapping[int, int], *, worker: str, now: datetime, lease: timedelta
    ) -> dict[int, int]:
        sql = _bookkeeping(self.dialect)
        connection = await self.session.connection()
        attempts: dict[int, int] = {}
        for ids in _chunks(accounts, 500):
            found: Any = await connection.execute(sql.markable, {"ids": ids, "holder": worker})
            attempts.update((int(row_id), int(n) + 1) for row_id, n in found.all())
        if attempts:
            until = now + lease
            rows = [
                {
                    "row_id": row_id,
                    "holder": worker,
                    "new_account_id": accounts[row_id],
                    "attempted_at": now,
                    "new_locked_until": until,
                }
                for row_id in attempts
            ]
            await connection.execute(sql.mark, rows)
        return attempts

    async def release(
        self, message: OutboxMessage, *, worker: str, keep_lease: bool = False
    ) -> bool:
        t = _table(OutboxRow)
        values: dict[str, Any] = {
            "status": message.status,
            "attempts": message.attempts,
            "next_attempt_at": message.next_attempt_at,
            "sent_at": message.sent_at,
            "last_error": message.last_error[:500] if message.last_error else None,
            "account_id": message.account_id,
        }
        if not keep_lease:
            values.update(locked_by=None, locked_until=None)
        statement = (
            update(t)
            .where(t.c.id == message.id, t.c.locked_by == worker)
            .values(**values)
            .returning(t.c.id)
        )
        kept = (await self._run(statement)).scalar_one_or_none() is not None
        if kept:
            await self._forget_delivered([message])
        return kept

    async def _forget_delivered(self, messages: Sequence[OutboxMessage]) -> None:
        """Empty the payload of ephemeral messages whose delivery is over (see Notice)."""
        done = [
            m.id
            for m in messages
            if m.id is not None and m.status in self.FINISHED and m.payload.get(EPHEMERAL)
        ]
        if done:
            t = _table(OutboxRow)
            await self._run(update(t).where(t.c.id.in_(done)).values(payload={}))

    async def release_many(self, messages: Sequence[OutboxMessage], *, worker: str) -> set[int]:
        sql = _bookkeeping(self.dialect)
        connection = await self.session.connection()
        kept: set[int] = set()
        for ids in _chunks([m.id for m in messages if m.id is not None], 500):
            held: Any = await connection.execute(sql.held, {"ids": ids, "holder": worker})
            kept.update(int(row_id) for row_id in held.scalars())
        rows = [
            {
                "row_id": m.id,
                "holder": worker,
                "new_status": m.status,
                "new_attempts": m.attempts,
                "new_next_attempt_at": m.next_attempt_at,
                "new_sent_at": m.sent_at,
                "new_last_error": m.last_error[:500] if m.last_error else None,
                "new_account_id": m.account_id,
            }
            for m in messages
            if m.id in kept
        ]
        if rows:
            await connection.execute(sql.release, rows)
        await self._forget_delivered([m for m in messages if m.id in kept])
        return kept

    async def purge(self, *, before: datetime) -> int:
        t = _table(OutboxRow)
        statement = sa_delete(t).where(t.c.status.in_(self.FINISHED), t.c.created_at < before)
        return int((await self._run(statement)).rowcount or 0)

    async def unreachable_since(self, person_id: int, since: datetime) -> int:
        """How many messages to this person ended unreachable since ``since``."""
        t = _table(OutboxRow)
        statement = (
            sa_select(func.count())
            .select_from(t)
            .where(t.c.person_id == person_id, t.c.status == "unreachable", t.c.created_at >= since)
        )
        return int((await self._run(statement)).scalar_one())

    async def unreachable_of(self, person_id: int, *, since: datetime) -> list[OutboxMessage]:
        return await self._all(
            select(OutboxRow)
            .where(
                OutboxRow.person_id == person_id,
                OutboxRow.status == "unreachable",
                col(OutboxRow.created_at) >= since,
            )
            .order_by(col(OutboxRow.id))
        )

    async def cover(self, message: OutboxMessage, *, worker: str, now: datetime) -> int | None:
        t = _table(OutboxRow)
        if await self.add(message):
            return message.id
        waiting = t.c.status == "pending"
        # Rows in our own lanes are settled in memory when their turn comes (see
        # core.delivery); another worker's expired lease is free to take.
        free = or_(t.c.locked_by.is_(None), and_(t.c.locked_by != worker, t.c.locked_until < now))
        statement = (
            update(t)
            .where(t.c.person_id == message.person_id, t.c.key == message.key, waiting, free)
            .values(
                status=message.status,
                sent_at=message.sent_at,
                last_error=message.last_error,
                account_id=message.account_id,
                locked_by=None,
                locked_until=None,
            )
            .returning(t.c.id)
        )
        covered = (await self._run(statement)).scalar_one_or_none()
        return None if covered is None else int(covered)

    async def by_key(self, person_id: int, key: str) -> OutboxMessage | None:
        return await self._one(
            select(OutboxRow).where(OutboxRow.person_id == person_id, OutboxRow.key == key)
        )

    @staticmethod
    def _message(values: Any) -> OutboxMessage:
        fields = OutboxMessage.__dataclass_fields__
        message = OutboxMessage(**{name: values[name] for name in fields})
        message.payload = dict(message.payload)
        return message
