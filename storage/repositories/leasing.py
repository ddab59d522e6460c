"""Claiming rows with a lease (outbox messages, due items) on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import Integer, String, Table, any_, bindparam, func, literal_column
from sqlalchemy import select as sa_select
from sqlalchemy.dialects import postgresql
from sqlmodel.ext.asyncio.session import AsyncSession


class _Leased:
    """Claiming with a lease, the same way on both databases.

    One ``UPDATE … WHERE id IN (SELECT … LIMIT n) RETURNING …``. On PostgreSQL the inner
    SELECT is ``FOR UPDATE SKIP LOCKED``: concurrent workers each take different rows
    and never wait for each other. On SQLite the engine starts every transaction with
    ``BEGIN IMMEDIATE`` (storage/db.py), so the whole statement runs under the write lock.
    """

    session: AsyncSession

    @property
    def dialect(self) -> str:
        return self.session.get_bind().dialect.name

    def _pick(self, table: Table, condition: Any, order: Sequence[Any], limit: int) -> Any:
        picked = sa_select(table.c.id).where(condition).order_by(*order).limit(limit)
        if self.dialect == "postgresql":
            picked = picked.with_for_update(skip_locked=True, of=table)
        return picked

    @staticmethod
    def among_param(column: Any, dialect: str, name: str | None, value: Any = None) -> Any:
        """``column IN ids`` as one bound parameter ``name``: a PostgreSQL array, or a
        JSON array read by SQLite's json_each (its value: :meth:`_ids_value`). A thousand
        separate parameters cost more to bind than the update they select for, and one
        parameter lets the statement be built once."""
        if dialect == "postgresql":
            return column == any_(bindparam(name, value, type_=postgresql.ARRAY(Integer)))
        listed: Any = sa_select(literal_column("value")).select_from(
            func.json_each(bindparam(name, value, type_=String))
        )
        return column.in_(listed)

    def _among(self, column: Any, ids: Collection[int]) -> Any:
        """``column IN ids`` with the ids bound in place, for a statement built per call."""
        return self.among_param(column, self.dialect, None, self._ids_value(ids))

    def _ids_value(self, ids: Collection[int]) -> Any:
        values = [int(value) for value in ids]
        return values if self.dialect == "postgresql" else json.dumps(values)

    async def _run(self, statement: Any, params: Any = None) -> Any:
        return await self.session.exec(statement, params=params)

    async def _returning_rows(self, statement: Any) -> list[Any]:
        return list((await self._run(statement)).mappings().all())

    async def _ids(self, statement: Any, params: Any = None) -> list[int]:
        values: Sequence[Any] = (await self._run(statement, params)).scalars().all()
        return [int(value) for value in values]
