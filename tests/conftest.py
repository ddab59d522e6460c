"""Shared fixtures: loopback-only network, a manual clock, and databases.

Every test that takes ``db_url`` runs on SQLite, and on PostgreSQL too when
MENTORHUB_TEST_DATABASE_URL names a server (the tests create and drop their own database).
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import shutil
import socket
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import pytest
from sqlalchemy.engine import make_url

from bots.bootstrap import Mentorhub, build
from bots.config import Config, DatabaseConfig
from core.clock import ManualClock
from core.ports import UnitOfWork, UnitOfWorkFactory
from storage import migrate
from storage.db import create_engine, session_factory
from storage.uow import SqlUnitOfWork

PG_ENV = "MENTORHUB_TEST_DATABASE_URL"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday


# --- nothing leaves the machine ------------------------------------------------------------

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _check_address(address: Any) -> None:
    if isinstance(address, tuple) and address:
        host = address[0]
        try:
            ip = ipaddress.ip_address(host)
        except ValueError:
            if host != "localhost":
                raise RuntimeError(
                    f"test tried to reach {host!r}: only loopback is allowed"
                ) from None
            return
        if not ip.is_loopback:
            raise RuntimeError(f"test tried to reach {host}: only loopback is allowed")


def _guarded_connect(self: socket.socket, address: Any) -> None:
    _check_address(address)
    return _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> int:
    _check_address(address)
    return _real_connect_ex(self, address)


@pytest.fixture(autouse=True, scope="session")
def _loopback_only() -> Iterator[None]:
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign,assignment]
    socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign,assignment]
    yield
    socket.socket.connect = _real_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _real_connect_ex  # type: ignore[method-assign]


# --- time ------------------------------------------------------------------------------------


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


# --- databases -------------------------------------------------------------------------------


def _backends() -> list[Any]:
    return [
        "sqlite",
        pytest.param(
            "postgresql",
            marks=pytest.mark.skipif(not os.environ.get(PG_ENV), reason=f"{PG_ENV} not set"),
        ),
    ]


async def _admin(server_url: str) -> Any:
    import asyncpg  # only needed when PostgreSQL tests run

    url = make_url(server_url)
    return await asyncpg.connect(
        host=url.host or "127.0.0.1",
        port=url.port or 5432,
        user=url.username or "postgres",
        password=url.password,
        database=url.database or "postgres",
    )


async def _create_pg_database(server_url: str, *, template: str | None = None) -> str:
    name = f"mentorhub_test_{uuid.uuid4().hex[:12]}"
    admin = await _admin(server_url)
    try:
        copied = f' TEMPLATE "{template}"' if template else ""
        await admin.execute(f'CREATE DATABASE "{name}"{copied}')
    finally:
        await admin.close()
    url = make_url(server_url).set(drivername="postgresql", database=name)
    return url.render_as_string(hide_password=False)


async def _drop_pg_database(server_url: str, db_url: str) -> None:
    admin = await _admin(server_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{make_url(db_url).database}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture(params=_backends())
async def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A URL of a brand-new, empty database on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    server = os.environ[PG_ENV]
    url = await _create_pg_database(server)
    try:
        yield url
    finally:
        await _drop_pg_database(server, url)


# Migrating every test's database took a quarter of the suite: each backend migrates once
# (a template, on first use) and every test gets a copy — a file copy on SQLite, a
# template database on PostgreSQL. The migrations themselves are tested on empty databases
# (test_migrations.py, through empty_db_url).
_TEMPLATES: dict[str, str] = {}


async def _migrated(url: str) -> str:
    engine = create_engine(url)
    try:
        await migrate.upgrade(engine)
    finally:
        await engine.dispose()  # closes the connections: SQLite folds its WAL into the file
    return url


async def _sqlite_copy(path: Path) -> str:
    template = _TEMPLATES.get("sqlite")
    if template is None:
        folder = Path(tempfile.mkdtemp(prefix="mentorhub-template-"))
        template = str(folder / "template.db")
        await _migrated(f"sqlite:///{template}")
        _TEMPLATES["sqlite"] = template
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


async def _pg_template(server_url: str) -> str:
    template = _TEMPLATES.get("postgresql")
    if template is None:
        template = make_url(await _migrated(await _create_pg_database(server_url))).database
        assert template is not None
        _TEMPLATES["postgresql"] = template
    return template


@pytest.fixture(scope="session", autouse=True)
def _drop_templates() -> Iterator[None]:
    yield
    folder = _TEMPLATES.get("sqlite")
    if folder:
        shutil.rmtree(Path(folder).parent, ignore_errors=True)
    name, server = _TEMPLATES.get("postgresql"), os.environ.get(PG_ENV)
    if name and server:
        url = make_url(server).set(drivername="postgresql", database=name)
        asyncio.run(_drop_pg_database(server, url.render_as_string(hide_password=False)))


@pytest.fixture(params=_backends())
async def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A migrated database on each backend, brand new for the test."""
    if request.param == "sqlite":
        yield await _sqlite_copy(tmp_path / "test.db")
        return
    server = os.environ[PG_ENV]
    url = await _create_pg_database(server, template=await _pg_template(server))
    try:
        yield url
    finally:
        await _drop_pg_database(server, url)


@pytest.fixture
async def sqlite_url(tmp_path: Path) -> str:
    """A migrated SQLite database, for tests whose subject is not the storage backend."""
    return await _sqlite_copy(tmp_path / "app.db")


def make_app(url: str, clock: ManualClock) -> Mentorhub:
    return build(Config(database=DatabaseConfig(url=url)), clock=clock, messengers=())


@pytest.fixture
async def app(db_url: str, clock: ManualClock) -> AsyncIterator[Mentorhub]:
    hub_app = make_app(db_url, clock)
    try:
        yield hub_app
    finally:
        await hub_app.close()


@pytest.fixture
async def sqlite_app(sqlite_url: str, clock: ManualClock) -> AsyncIterator[Mentorhub]:
    """The app on SQLite only, for long tests whose subject is not the storage backend."""
    hub_app = make_app(sqlite_url, clock)
    try:
        yield hub_app
    finally:
        await hub_app.close()


@pytest.fixture
async def second_uow_factory(db_url: str) -> AsyncIterator[UnitOfWorkFactory]:
    """Units of work on a second engine of the ``db_url`` database: another worker
    process, as far as the database can tell."""
    engine = create_engine(db_url)
    sessions = session_factory(engine)
    try:
        yield lambda: cast(UnitOfWork, SqlUnitOfWork(sessions))
    finally:
        await engine.dispose()
