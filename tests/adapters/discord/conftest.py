"""Fixtures for DiscordMessenger tests: FakeDiscord patched into discord.py, and a running
adapter wired to the app as its Discord sender."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bots.bootstrap import Mentorhub
from tests.adapters.discord.harness import GUILD, Harness, messenger_for
from tests.fakes.discord_api import FakeDiscord


@pytest.fixture
async def dc(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord(guilds=[GUILD]) as fake:
        fake.patch_discord(monkeypatch)
        yield fake


@pytest.fixture
async def h(dc: FakeDiscord, app: Mentorhub) -> AsyncIterator[Harness]:
    messenger = messenger_for(app, dc)
    app.outlets.add(messenger)
    await messenger.start()
    harness = Harness(dc, app, messenger)
    try:
        yield harness
    finally:
        await harness.messenger.stop()
