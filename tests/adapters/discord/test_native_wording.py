"""What the bot says names commands and places the way Discord users know them: a
subcommand with options (`/mentor enroll program:… role:…`), a channel in a server."""

from __future__ import annotations

import pytest

from adapters.discord.adapter import SPACE_ADVICE
from bots.bootstrap import Mentorhub
from core.i18n import translate
from tests.adapters.discord.harness import ANN, BOB, MANAGES_CHANNEL, Harness, message_text
from tests.fakes.discord_api import option

pytestmark = pytest.mark.timeout(15)

REGISTER = (option("name", "Ann"), option("timezone", "UTC"), option("languages", "en"))


async def test_hints_name_slash_commands_with_their_options(h: Harness, app: Mentorhub) -> None:
    token = await h.slash("start", *REGISTER)
    welcome = await h.reply_with(token, "You're registered")
    assert "`/mentor programs` to find a program to join, or `/mentor help`" in message_text(
        welcome
    )

    token = await h.slash("newprogram", option("slug", "design-26"), option("name", "Design"))
    await h.reply_with(token, "created")
    token = await h.slash("enroll", option("program", "design-26"), user=BOB)
    refused = message_text(await h.reply_with(token, "register"))
    assert "`/mentor start`" in refused and "`start`" not in refused


async def test_help_lists_subcommands_as_discord_shows_them(h: Harness, app: Mentorhub) -> None:
    token = await h.slash("start", *REGISTER)
    await h.reply_with(token, "You're registered")
    token = await h.slash("help")
    shown = message_text(await h.reply_with(token, "What you can do"))
    assert "Programs: `/mentor newprogram`, `/mentor programs`" in shown
    assert "`/mentor-pair pause`" in shown
    assert "Send `/mentor help [command:…]` for one in detail" in shown
    assert len(shown.splitlines()) < 15  # not a wall

    token = await h.slash("help", option("command", "pause"))
    shown = message_text(await h.reply_with(token, "help: pause"))
    assert "`/mentor-pair pause [until:…] [pair:…] [confirm:…]` — Pause" in shown

    token = await h.slash("help", option("command", "ask"))
    shown = message_text(await h.reply_with(token, "help: ask"))
    assert "e.g. `/mentor ask mentors:@dana @erik program:design-2026`" in shown


async def test_a_refused_channel_post_says_what_to_fix_on_discord(
    h: Harness, app: Mentorhub
) -> None:
    token = await h.slash("start", *REGISTER)
    await h.reply_with(token, "You're registered")
    token = await h.slash("newprogram", option("slug", "prog"), option("name", "Test program"))
    await h.reply_with(token, "created")
    token = await h.slash(
        "link", option("program", "prog"), user=ANN, member_permissions=MANAGES_CHANNEL
    )
    await h.reply_with(token, "Linked Test program to this channel.")

    h.dc.fail_next(
        "POST",
        rf"^/channels/{h.channel}/messages$",
        status=403,
        body={"message": "Missing Permissions", "code": 50013},
    )
    token = await h.slash("announce", option("program", "prog"), option("message", "Hi all"))
    shown = message_text(await h.reply_with(token, "couldn't post"))
    assert f"I couldn't post that in the linked channel. {translate(SPACE_ADVICE, None)}" in shown
