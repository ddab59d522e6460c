"""Engines for SQLite and PostgreSQL, through the same code.

SQLite runs with ``secure_delete`` on (deleted rows are zeroed in the file, so what
``forget_me`` and the retention purges delete is gone from the disk once the WAL is
checkpointed), in WAL mode with ``synchronous=NORMAL`` (about 16 µs per commit instead
of 1.4 ms) and a busy timeout. Every SQLite transaction starts with ``BEGIN IMMEDIATE``: it
takes the write lock up front, so two writers wait for each other instead of failing with
"database is locked" when a read transaction tries to upgrade. Read-only units of work
(``session_factory(engine, read_only=True)``) start a plain deferred ``BEGIN`` instead: in
WAL mode they read a snapshot beside the one writer and never wait for it, nor it for them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

SQLITE_BUSY_TIMEOUT_MS = 5000
READ_ONLY = "mentorhub_read_only"  # an execution option: this connection's transactions only read


def async_url(url: str) -> str:
    """Accept plain URLs (sqlite:///x.db, postgresql://…) and pick the async driver."""
    parsed = make_url(url)
    driver = parsed.drivername
    if driver in ("sqlite", "sqlite+pysqlite"):
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    elif driver in ("postgresql", "postgres", "postgresql+psycopg2", "postgresql+psycopg"):
        parsed = parsed.set(drivername="postgresql+asyncpg")
    return parsed.render_as_string(hide_password=False)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    full_url = async_url(url)
    # hide_parameters: an error (and echo) shows the SQL, never the bound values — those
    # are people's names, notes and answers, and end up in logs.
    kwargs: dict[str, Any] = {"echo": echo, "hide_parameters": True}
    if not is_sqlite(full_url):
        kwargs.update(pool_size=10, max_overflow=10, pool_pre_ping=True)
    engine = create_async_engine(full_url, **kwargs)
    if is_sqlite(full_url):
        _configure_sqlite(engine)
    return engine


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let us issue BEGIN ourselves (pysqlite's implicit BEGIN is deferred).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Deleted content is overwritten with zeros, not left in free pages of the file:
        # what `forget_me` and the retention purges delete is gone from the disk too (once
        # the WAL is checkpointed, which SQLite does on its own every 1000 pages).
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        reads = connection.get_execution_options().get(READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if reads else "BEGIN IMMEDIATE")


async def checkpoint(engine: AsyncEngine) -> bool:
    """SQLite: copy the WAL into the database file and truncate the WAL, so old page images
    (of rows since deleted) don't stay in it. Waits for the busy timeout at most; returns
    whether it completed. A no-op (True) on PostgreSQL."""
    if engine.dialect.name != "sqlite":
        return True
    async with engine.connect() as conn:
        raw = (await conn.get_raw_connection()).driver_connection
        assert raw is not None
        # Outside any transaction (the connection's BEGIN is ours to issue, see above).
        cursor = await raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        busy, _log, _done = await cursor.fetchone()
        await cursor.close()
    return not busy


def session_factory(
    engine: AsyncEngine, *, read_only: bool = False
) -> async_sessionmaker[AsyncSession]:
    bind = engine.execution_options(**{READ_ONLY: True}) if read_only else engine
    return async_sessionmaker(bind, class_=AsyncSession, expire_on_commit=False)


@contextmanager
def statements_run(engine: AsyncEngine) -> Iterator[list[str]]:
    """The SQL statements ``engine`` runs meanwhile, transaction control left out: for the
    tests and benchmarks that hold a command to a fixed number of statements."""
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if not statement.lstrip().upper().startswith(_TRANSACTION_CONTROL):
            statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


_TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA")
