"""The dashboard served on a free loopback port, over an app whose [web] is enabled."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest

from adapters.web.server import DashboardServer, WebSettings
from bots.bootstrap import Mentorhub, build
from bots.config import Config, DatabaseConfig, WebConfig
from core.clock import ManualClock
from tests.console_harness import ConsoleSession, own

PUBLIC_URL = "https://dash.example.org"
LINK = re.compile(re.escape(PUBLIC_URL) + r"(/signin/[A-Za-z0-9_-]+)")


@pytest.fixture
async def web_app(sqlite_url: str, clock: ManualClock) -> AsyncIterator[Mentorhub]:
    config = Config(
        database=DatabaseConfig(url=sqlite_url),
        web=WebConfig(enabled=True, host="127.0.0.1", port=0, public_url=PUBLIC_URL),
    )
    app = build(config, clock=clock, messengers=())
    try:
        yield app
    finally:
        await app.close()


@pytest.fixture
async def served(web_app: Mentorhub) -> AsyncIterator[str]:
    """The dashboard's base URL (plain HTTP on loopback: the cookie isn't Secure here)."""
    server = DashboardServer(web_app.dashboard, WebSettings("127.0.0.1", 0, secure=False))
    await server.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        await server.stop()


async def signin_path(c: ConsoleSession, user: str, program: str = "prog") -> str:
    """Ask for a dashboard link in chat as ``user``; the path it points to."""
    out = own(await c.say(user, f"dashboard {program}"))
    found = LINK.search(out)
    assert found is not None, out
    return found.group(1)


async def small_program(app: Mentorhub) -> ConsoleSession:
    """cora coordinates "prog" with one active pair (mia with dana) and a waiting mentee;
    olga coordinates "other"."""
    c = ConsoleSession(app)
    await c.register("cora", "Cora Lead", "Europe/London")
    await c.say("cora", "newprogram prog Test program")
    for user, name in (("dana", "Dana Berg"), ("mia", "Mia Sousa"), ("noah", "Noah Kim")):
        await c.register(user, name, "Europe/Berlin")
    await c.say("dana", "enroll prog mentor 2")
    await c.say("mia", "enroll prog mentee")
    await c.say("noah", "enroll prog mentee")
    await c.register("olga", "Olga Ivanova", "Europe/Warsaw")
    await c.say("olga", "newprogram other Another program")
    return c
