"""A Telegram account as its person sees it in `connections`: its @username follows
changes made in Telegram."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bots.bootstrap import Mentorhub
from tests.adapters.telegram.conftest import Bot, account_of
from tests.adapters.telegram.test_journey import Chats, Member, visible

pytestmark = pytest.mark.timeout(15)


async def test_a_new_username_shows_in_connections(app: Mentorhub, bot: Bot) -> None:
    chats = Chats(app, bot)
    mia = Member(1001001, "Mia", "Sousa", username="mia_old")
    out = await chats.says(mia, '/start "Mia Sousa" Europe/Lisbon en')
    assert "You're registered" in visible(out.last(mia))
    out = await chats.says(mia, "/connections")
    assert "Telegram: Mia Sousa (@mia_old) (reminders go here" in visible(out.last(mia))
    mia = replace(mia, username="mia_new")  # renamed in Telegram
    out = await chats.says(mia, "/connections")
    assert "Telegram: Mia Sousa (@mia_new) (reminders go here" in visible(out.last(mia))
    assert (await account_of(app, mia.user_id)).display_name == "Mia Sousa (@mia_new)"
    out = await chats.says(mia, "/profile")  # a later read shows the stored name
    out = await chats.says(mia, "/connections")
    assert "(@mia_new)" in visible(out.last(mia)) and "mia_old" not in visible(out.last(mia))
