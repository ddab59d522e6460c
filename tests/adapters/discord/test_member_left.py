"""A member who leaves the server: with ``track_members`` (the Server Members intent) the
bot hears GUILD_MEMBER_REMOVE and marks their Discord account gone; without it, Discord
sends nothing and nothing changes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from adapters.discord.adapter import DiscordMessenger
from bots.bootstrap import Mentorhub
from core.identity import Platform
from tests.adapters.discord.harness import GUILD, Harness, messenger_for
from tests.fakes.discord_api import GUILD_MEMBERS, FakeDiscord, keep_discord_endpoints, option

pytestmark = pytest.mark.timeout(15)

MIA = 444444444444444444


@pytest.fixture
async def fake(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    keep_discord_endpoints(monkeypatch)
    async with FakeDiscord(guilds=[GUILD], allowed_privileged_intents=GUILD_MEMBERS) as dc:
        yield dc


async def registered(app: Mentorhub, dc: FakeDiscord, messenger: DiscordMessenger) -> Harness:
    app.outlets.add(messenger)
    await messenger.start()
    h = Harness(dc, app, messenger)
    token = await h.slash(
        "start",
        option("name", "Mia Sousa"),
        option("timezone", "Europe/Lisbon"),
        option("languages", "en"),
        user=MIA,
    )
    await h.reply_with(token, "You're registered, Mia Sousa.")
    return h


async def gone_at(app: Mentorhub) -> object:
    async with app.uow() as uow:
        account = await uow.accounts.find(Platform("discord"), "", str(MIA))
    assert account is not None
    return account.gone_at


async def test_a_member_who_leaves_is_gone(app: Mentorhub, fake: FakeDiscord) -> None:
    messenger = messenger_for(app, fake, track_members=True)
    h = await registered(app, fake, messenger)
    try:
        assert (fake.last_intents or 0) & GUILD_MEMBERS
        heard = asyncio.Event()
        original = messenger.handle_member_left

        async def spy(user_id: int) -> None:
            await original(user_id)
            heard.set()

        messenger.handle_member_left = spy  # type: ignore[method-assign]
        assert await fake.member_leaves(GUILD, MIA, "mia") == 1
        async with asyncio.timeout(5):
            await heard.wait()
        assert await gone_at(app) is not None
        # back in the server, they use a command: the account exists after all
        await h.reply_with(await h.slash("start", user=MIA), "Welcome back, Mia Sousa!")
        assert await gone_at(app) is None
    finally:
        await messenger.stop()


async def test_without_the_intent_nothing_is_heard(app: Mentorhub, fake: FakeDiscord) -> None:
    messenger = messenger_for(app, fake)
    await registered(app, fake, messenger)
    try:
        assert not (fake.last_intents or 0) & GUILD_MEMBERS  # no privileged intent asked
        assert await fake.member_leaves(GUILD, MIA, "mia") == 0
        assert await gone_at(app) is None
    finally:
        await messenger.stop()
