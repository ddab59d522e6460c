"""Fixtures for DiscordMessenger tests: FakeDiscord patched into discord.py, and a running
adapter wired to the app as its Discord sender."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from adapters.discord.pacing_rules import pacing
from adapters.discord.settings import DISCORD
from bots.bootstrap import Mentorhub
from tests.adapters.discord.harness import GUILD, Harness, messenger_for
from tests.fakes.discord_api import FakeDiscord, keep_discord_endpoints


@pytest.fixture
async def dc(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    """The adapter finds the fake through its settings (``api_base``, ``gateway_url``),
    which it applies to discord.py process-wide: restored after each test."""
    keep_discord_endpoints(monkeypatch)
    async with FakeDiscord(guilds=[GUILD]) as fake:
        yield fake


@pytest.fixture
async def h(dc: FakeDiscord, app: Mentorhub) -> AsyncIterator[Harness]:
    # Tests open DMs with a few people at once; Discord's new-DM budget (a token a minute)
    # would hold all but the first for a minute. The budget has tests of its own.
    app.delivery.pacing[DISCORD] = pacing(new_dms_per_hour=360_000)
    messenger = messenger_for(app, dc)
    app.outlets.add(messenger)
    await messenger.start()
    harness = Harness(dc, app, messenger)
    try:
        yield harness
    finally:
        await harness.messenger.stop()
