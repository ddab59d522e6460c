"""What every repository shares: get/add/save by primary key, and small query helpers."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterator, Sequence
from typing import Any, Generic, TypeVar, cast

from sqlalchemy import Table, bindparam, func, insert, update
from sqlalchemy import select as sa_select
from sqlmodel import SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.mapping import _to_column, column_conversions, to_domain, to_row, update_row

D = TypeVar("D")
K = TypeVar("K")
R = TypeVar("R", bound=SQLModel)


class _Statements:
    """A repository that runs Core statements on its session, counting rows changed."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _run(self, statement: Any) -> Any:
        return await self.session.exec(statement)

    async def _count(self, statement: Any) -> int:
        """Rows an UPDATE or DELETE changed."""
        return int((await self._run(statement)).rowcount or 0)


class _Repo(Generic[D, R]):
    """Get/add/save by primary key for a core dataclass with an ``id`` field."""

    domain: type[D]
    row: type[R]

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, item_id: int) -> D | None:
        row = await self.session.get(self.row, item_id)
        return to_domain(row, self.domain) if row is not None else None

    async def add(self, item: D) -> D:
        row = to_row(item, self.row)
        self.session.add(row)
        await self.session.flush()
        item.id = row.id  # type: ignore[attr-defined]
        return item

    async def save(self, item: D) -> None:
        row = await self.session.get(self.row, item.id)  # type: ignore[attr-defined]
        if row is None:
            raise LookupError(f"{self.row.__name__} {item.id} vanished")  # type: ignore[attr-defined]
        update_row(row, item)
        await self.session.flush()

    # --- bulk writes (imports) ----------------------------------------------------------

    async def insert_many(self, items: Sequence[D]) -> list[D]:
        """Insert ``items`` as one executemany (batched by the driver) and set their ids.
        Values go through the columns' own types, as ``add`` would store them."""
        if not items:
            return []
        table = _table(self.row)
        plan = column_conversions(cast(Any, self.domain))
        rows = [
            {
                name: value if convert is None else convert(value)
                for name, convert in plan
                for value in (getattr(item, name),)
            }
            for item in items
        ]
        if self.session.get_bind().dialect.name == "sqlite":
            # An INSERT … RETURNING in parameter order runs row by row on SQLite. Every
            # SQLite transaction holds the write lock from its start (BEGIN IMMEDIATE), so
            # the next ids are known: give them, and insert with one executemany.
            last = await self.session.scalar(sa_select(func.max(table.c.id)))
            ids: Sequence[Any] = range(int(last or 0) + 1, int(last or 0) + 1 + len(rows))
            for row, row_id in zip(rows, ids, strict=True):
                row["id"] = row_id
            await self.session.exec(insert(table), params=rows)
        else:
            statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
            ids = (await self.session.exec(statement, params=rows)).scalars().all()
        for item, item_id in zip(items, ids, strict=True):
            item.id = int(item_id)  # type: ignore[attr-defined]
        return list(items)

    async def update_many(self, items: Sequence[D]) -> None:
        """Write every field of ``items`` (which have ids) as one executemany UPDATE."""
        if not items:
            return
        table = _table(self.row)
        names = _columns_of(items[0])
        statement = (
            update(table)
            .where(table.c.id == bindparam("row_id"))
            .values({name: bindparam(f"new_{name}") for name in names})
        )
        rows = [
            {"row_id": item.id, **{f"new_{n}": _to_column(getattr(item, n)) for n in names}}  # type: ignore[attr-defined]
            for item in items
        ]
        await self.session.exec(statement, params=rows)

    async def _one(self, statement: Any) -> D | None:
        row = (await self.session.exec(statement)).first()
        return to_domain(row, self.domain) if row is not None else None

    async def _all(self, statement: Any) -> list[D]:
        return [to_domain(row, self.domain) for row in (await self.session.exec(statement)).all()]

    async def _children(self, parent: Any, parent_id: int, *order_by: Any) -> list[D]:
        """The rows whose ``parent`` column (e.g. ``NoteRow.pair_id``) is ``parent_id``,
        in ``order_by`` order (none given: the database's order)."""
        return await self._all(select(self.row).where(parent == parent_id).order_by(*order_by))


def _columns_of(item: Any) -> list[str]:
    return [f.name for f in dataclasses.fields(item) if f.name != "id"]


def _table(row: type[SQLModel]) -> Table:
    table = row.__table__  # type: ignore[attr-defined]
    assert isinstance(table, Table)
    return table


def _chunks(ids: Collection[K], size: int = 1000) -> Iterator[list[K]]:
    """Bound IN lists (SQLite and asyncpg cap the number of bound parameters)."""
    items = list(ids)
    for start in range(0, len(items), size):
        yield items[start : start + size]
