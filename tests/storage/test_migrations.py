from __future__ import annotations

from sqlalchemy import text

from storage import migrate
from storage.db import create_engine


async def test_migrations_create_the_schema_and_a_second_upgrade_is_a_no_op(
    empty_db_url: str,
) -> None:
    engine = create_engine(empty_db_url)
    try:
        assert await migrate.pending(engine)
        before, after = await migrate.upgrade(engine)
        assert before == set() and after == migrate.head_revisions()
        again_before, again_after = await migrate.upgrade(engine)
        assert again_before == again_after == after
        assert not await migrate.pending(engine)
        assert await migrate.schema_drift(engine) == [], "tables changed without a migration"
    finally:
        await engine.dispose()


async def test_migrations_downgrade_to_empty_and_back(empty_db_url: str) -> None:
    engine = create_engine(empty_db_url)
    try:
        await migrate.upgrade(engine)
        await migrate.downgrade(engine, "base")
        assert await migrate.current_revisions(engine) == set()
        await migrate.upgrade(engine)
        assert await migrate.schema_drift(engine) == []
    finally:
        await engine.dispose()


async def test_sqlite_runs_in_wal_with_a_busy_timeout(sqlite_url: str) -> None:
    engine = create_engine(sqlite_url)
    try:
        async with engine.connect() as conn:
            assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
            assert (await conn.execute(text("PRAGMA synchronous"))).scalar() == 1  # NORMAL
            assert (await conn.execute(text("PRAGMA busy_timeout"))).scalar() == 5000
            assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar() == 1
    finally:
        await engine.dispose()
