"""Looking never changes anything: status, export, `checkins` and the weekly digest only
read. What a closed period was is recorded by its period-close due item, not by whoever
happens to look first."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import SQLModel

import storage.tables  # noqa: F401  (registers every table on SQLModel.metadata)
from bots.bootstrap import Mentorhub
from core.clock import ManualClock
from core.dispatch import WorkContext
from core.nudges import weekly_digest
from tests.journeys.world import build_world

Snapshot = dict[str, list[tuple[Any, ...]]]


async def snapshot(app: Mentorhub) -> Snapshot:
    """Every row of every table."""
    tables: Snapshot = {}
    async with app.engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            rows = await connection.execute(select(table).order_by(*table.primary_key.columns))
            tables[table.name] = [tuple(row) for row in rows]
    return tables


def row_counts(tables: Snapshot) -> dict[str, int]:
    return {name: len(rows) for name, rows in tables.items()}


async def test_status_run_twice_before_and_after_a_period_closes_changes_no_rows(
    app: Mentorhub, clock: ManualClock
) -> None:
    c = await build_world(app)  # pair #1: weekly from Mon 2 March; nobody has checked in
    clock.set(datetime(2026, 3, 5, 12, tzinfo=UTC))  # period 1 is open
    before = await snapshot(app)
    for _ in range(2):
        assert "Check-ins this period: 0/2 answers (0%)" in await c.say("cora", "status prog")
    assert row_counts(await snapshot(app)) == row_counts(before)

    clock.set(datetime(2026, 3, 9, 12, tzinfo=UTC))  # period 1 closed; its close not handled
    before = await snapshot(app)
    for _ in range(2):
        out = await c.say("cora", "status prog")
        assert "Pairs: active 1" in out
    after = await snapshot(app)
    assert row_counts(after) == row_counts(before)
    assert after == before


async def test_export_checkins_and_the_digest_count_an_unsettled_period_without_writing(
    app: Mentorhub, clock: ManualClock
) -> None:
    c = await build_world(app)
    clock.set(datetime(2026, 3, 17, 12, tzinfo=UTC))  # periods 1 and 2 closed, unanswered
    before = await snapshot(app)
    out = await c.say("cora", "export prog")
    assert ",2,0,0,2," in out  # two periods due, both missed — though nothing is recorded
    out = await c.say("mia", "checkins")
    assert "1. Mon 02 Mar 2026: missed" in out and "2. Mon 09 Mar 2026: missed" in out
    async with app.uow() as uow:
        digest = await weekly_digest(WorkContext(uow, clock.now()))
        await uow.commit()
    assert [notice.reply.translated().title for notice in digest] == ["Test program: this week"]
    assert await snapshot(app) == before


async def test_the_console_user_called_system_is_an_ordinary_unregistered_person(
    app: Mentorhub,
) -> None:
    """A guard: no account is special any more (scheduled work opens its own unit of
    work and acts as nobody)."""
    c = await build_world(app)
    out = await c.say("system", "pairs")
    assert "You're not registered yet." in out
    await c.register("system", "Sys Temov", "UTC")
    assert "You have no pairs yet." in await c.say("system", "pairs")
