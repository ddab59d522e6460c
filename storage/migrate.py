"""Alembic migrations, run on the application's own async engine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel

import storage.tables  # noqa: F401

MIGRATIONS = Path(__file__).parent / "migrations"
_PG_MIGRATION_LOCK = 0x6D656E746F72  # "mentor": serialises concurrent `run` start-ups


def alembic_config(connection: Any = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revisions() -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config()).get_heads())


async def current_revisions(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as conn:
        heads = await conn.run_sync(lambda c: MigrationContext.configure(c).get_current_heads())
    return set(heads)


async def pending(engine: AsyncEngine) -> bool:
    return await current_revisions(engine) != head_revisions()


async def upgrade(engine: AsyncEngine, revision: str = "head") -> tuple[set[str], set[str]]:
    """Apply migrations up to ``revision``; returns (before, after) revisions."""
    before = await current_revisions(engine)
    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            await conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_MIGRATION_LOCK})")
        await conn.run_sync(lambda c: command.upgrade(alembic_config(c), revision))
    return before, await current_revisions(engine)


async def downgrade(engine: AsyncEngine, revision: str) -> None:
    async with engine.begin() as conn:
        await conn.run_sync(lambda c: command.downgrade(alembic_config(c), revision))


async def schema_drift(engine: AsyncEngine) -> list[Any]:
    """Differences between the tables in code and the migrated schema (should be none)."""
    async with engine.connect() as conn:
        return await conn.run_sync(
            lambda c: compare_metadata(
                MigrationContext.configure(c, opts={"compare_type": True}), SQLModel.metadata
            )
        )


async def revision(engine: AsyncEngine, message: str) -> None:
    """Autogenerate a new migration against a database at head (a developer tool)."""
    async with engine.begin() as conn:
        await conn.run_sync(
            lambda c: command.revision(alembic_config(c), message=message, autogenerate=True)
        )
