"""One relationship across three messengers, in one app: the mentor on Slack, the mentee on
Telegram who links a Discord account and has nudges sent there.

The real python-telegram-bot, slack-bolt/slack-sdk and discord.py run against FakeTelegram,
FakeSlack and FakeDiscord at once, behind one Hub and one database; notices go out through
the outbox (``app.deliver()``) and each messenger's own sender.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import pytest

from adapters.discord.pacing_rules import pacing
from adapters.discord.settings import DISCORD
from bots.bootstrap import Mentorhub
from core.clock import ManualClock
from tests.adapters.discord.harness import GUILD, Harness, message_text, messenger_for
from tests.adapters.slack.conftest import Wire, running
from tests.adapters.telegram.conftest import running_bot
from tests.adapters.telegram.test_journey import Chats, Member, labels, visible
from tests.fakes.discord_api import FakeDiscord, keep_discord_endpoints, option
from tests.fakes.slack_api import FakeSlack
from tests.fakes.telegram_api import FakeTelegram

pytestmark = pytest.mark.timeout(40)

MIA = Member(1001001, "Mia", "Sousa", "en")  # the mentee, on Telegram
MIA_DC = 444444444444444444  # and on Discord
DANA, CORA = "U2", "U3"  # the mentor and the coordinator, on Slack
CODE = re.compile(r"Your code: ([A-Z2-9]{8})")


@dataclass
class Three:
    app: Mentorhub
    chats: Chats  # Telegram
    wire: Wire  # Slack
    h: Harness  # Discord
    slack: FakeSlack
    seen: dict[str, int]

    async def slack_says(self, user: str, text: str) -> str:
        """A slash command in ``user``'s DM; what the bot posted there in answer."""
        self.slack_new(user)
        await self.wire.command(text, user=user, channel=f"D_{user}")
        assert await self.wire.messenger.idle()
        answer = "\n".join(post["text"] for post in self.slack_new(user))
        await self.app.deliver()
        assert await self.wire.messenger.idle()
        return answer

    async def slack_click(self, user: str, label: str) -> None:
        """Press ``label`` on the newest post in ``user``'s DM."""
        post = self.slack.posted_messages(f"D_{user}")[-1]
        await self.wire.click(post, label, user=user)
        assert await self.wire.messenger.idle()
        await self.app.deliver()
        assert await self.wire.messenger.idle()

    def slack_new(self, user: str) -> list[dict[str, Any]]:
        """Posts in ``user``'s Slack DM since last asked."""
        posts = self.slack.posted_messages(f"D_{user}")
        new, self.seen[user] = posts[self.seen.get(user, 0) :], len(posts)
        return new

    def discord_dm(self) -> list[str]:
        channel = self.h.dc.dm_channel_id(MIA_DC)
        return (
            [] if channel is None else [message_text(m) for m in self.h.dc.messages_sent(channel)]
        )

    def telegram(self) -> list[str]:
        return [visible(c) for c in self.chats.sent(MIA)]


@asynccontextmanager
async def three_messengers(app: Mentorhub, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Three]:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")
    keep_discord_endpoints(monkeypatch)
    async with FakeTelegram() as tg, FakeSlack() as slack, FakeDiscord(guilds=[GUILD]) as dc:
        slack.set_user(DANA, tz="Europe/Berlin", real_name="Dana Berg")
        slack.set_user(CORA, tz="Europe/London", real_name="Cora Lead")
        app.delivery.pacing[DISCORD] = pacing(new_dms_per_hour=360_000)
        discord = messenger_for(app, dc)
        app.outlets.add(discord)
        await discord.start()
        try:
            async with running_bot(app, tg) as bot, running(app, slack) as slack_messenger:
                h = Harness(dc, app, discord)
                h.usernames[MIA_DC] = "mia_on_discord"
                yield Three(app, Chats(app, bot), Wire(slack_messenger, slack), h, slack, {})
        finally:
            await discord.stop()


async def test_a_mentor_on_slack_and_a_mentee_on_telegram_then_discord(
    app: Mentorhub, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with three_messengers(app, monkeypatch) as m:
        # -- the coordinator and the mentor register on Slack, the mentee on Telegram -------
        await m.slack_says(CORA, 'start "Cora Lead" Europe/London en')
        await m.slack_says(CORA, "newprogram prog Design mentoring")
        await m.slack_says(CORA, "configure prog cadence weekly")
        said = await m.slack_says(DANA, 'start "Dana Berg" Europe/Berlin en')
        assert "You're registered, Dana Berg." in said
        said = await m.slack_says(DANA, "enroll prog mentor 2")
        assert said.startswith("What can you help with?")
        await m.wire.dm("figma, career", user=DANA)
        assert await m.wire.messenger.idle()
        await m.slack_click(DANA, "Written check-ins")
        await m.slack_click(DANA, "Skip")
        assert (
            "You're in Design mentoring as a mentor"
            in m.slack.posted_messages(f"D_{DANA}")[-1]["text"]
        )
        out = await m.chats.says(MIA, '/start "Mia Sousa" Europe/Lisbon en')
        assert "You're registered, Mia Sousa." in visible(out.last(MIA))
        await m.chats.says(MIA, "/enroll prog mentee")
        await m.chats.says(MIA, "figma")
        await m.chats.says(MIA, "Get a design job")
        await m.chats.taps(MIA, "Written check-ins")
        await m.chats.taps(MIA, "Skip")
        m.slack_new(CORA), m.slack_new(DANA)

        # -- the mentee links Discord: a code on Telegram, typed on Discord, confirmed ----
        out = await m.chats.says(MIA, "/connect")
        code = CODE.search(visible(out.last(MIA)))
        assert code, visible(out.last(MIA))
        token = await m.h.slash("connect", option("code", code.group(1)), user=MIA_DC)
        await m.h.reply_with(token, "Almost done: confirm on Telegram")
        await m.app.deliver()
        ask = m.chats.sent(MIA)[-1]
        assert "“mia_on_discord” on Discord sent your code" in visible(ask), visible(ask)
        assert labels(ask) == ["Yes, connect it", "No"]
        out = await m.chats.taps(MIA, "Yes, connect it")
        assert "Connected: Discord (mia_on_discord) is now yours too." in visible(out.last(MIA))
        assert "This account is now connected to @mia\\_sousa" in m.discord_dm()[-1]
        out = await m.chats.says(MIA, "/profile notify discord")
        assert "Reminders and notices now go to Discord (mia_on_discord)." in visible(out.last(MIA))
        assert "If I can't reach you there: Telegram (Mia Sousa)." in visible(out.last(MIA))

        # -- paired: the mentor hears on Slack, the mentee on Discord (not Telegram) ------
        telegram_before, discord_before = len(m.telegram()), len(m.discord_dm())
        await m.slack_says(CORA, "assign prog mia_sousa dana_berg")
        [paired] = [p for p in m.slack_new(DANA) if "New mentoring pair" in p["text"]]
        assert "You're paired with Mia Sousa as your mentee" in paired["text"]
        [told] = m.discord_dm()[discord_before:]
        assert "You're paired with Dana Berg as your mentor" in told
        assert len(m.telegram()) == telegram_before

        # -- the agreement: proposed on Telegram (relayed messages chosen), confirmed on Slack
        await m.chats.says(MIA, "/agree")
        await m.chats.taps(MIA, "Use the mentee's goals")
        await m.chats.taps(MIA, "Weekly")
        await m.chats.taps(MIA, "Written check-ins")
        await m.chats.taps(MIA, "Messages relayed by mentorhub")
        await m.chats.says(MIA, "2026-03-09")
        await m.chats.taps(MIA, "12 weeks")
        await m.chats.taps(MIA, "48 hours")
        discord_before = len(m.discord_dm())
        await m.chats.taps(MIA, "Everything we discuss stays between us")
        [proposal] = m.slack_new(DANA)
        assert "Mia Sousa proposed your agreement (version 1)" in proposal["text"]
        await m.wire.click(proposal, "Confirm", user=DANA)
        assert await m.wire.messenger.idle()
        await m.app.deliver()
        [confirmed] = m.slack_new(DANA)
        assert "How we talk: async — messages relayed by mentorhub" in confirmed["text"]
        assert "Dana Berg confirmed. Agreement version 1 is in force" in m.discord_dm()[-1]
        assert len(m.discord_dm()) == discord_before + 1

        # -- the first check-in, answered on Telegram; the brief reaches Slack --------------
        clock.set(clock.now().replace(day=9, hour=10))
        await m.chats.says(MIA, "/checkin")
        await m.chats.taps(MIA, "Yes")
        await m.chats.says(MIA, "45")
        await m.chats.says(MIA, "Finished the case study")
        await m.chats.taps(MIA, "Nothing")
        await m.chats.taps(MIA, "4")
        out = await m.chats.taps(MIA, "Skip")
        assert "Thanks — check-in 1 recorded." in visible(out.to(MIA)[0])
        [brief] = m.slack_new(DANA)
        assert (
            "Mia Sousa checked in" in brief["text"] and "Finished the case study" in brief["text"]
        )

        # -- two relayed messages, each on the other's messenger, rendered there -----------
        telegram_before, discord_before = len(m.telegram()), len(m.discord_dm())
        out = await m.chats.says(MIA, "/say Thanks Dana! <b>Loved</b> it & *more*")
        assert "Passed on to Dana Berg." in visible(out.last(MIA))
        [relayed] = m.slack_new(DANA)
        assert "Mia Sousa (your mentee, pair #1) says:" in relayed["text"]
        assert "Thanks Dana! &lt;b&gt;Loved&lt;/b&gt; it &amp; " in str(relayed["blocks"])
        assert "mia_sousa" not in str(relayed) and "mia_on_discord" not in str(relayed)
        said = await m.slack_says(DANA, "say Happy to help, *really*")
        assert "Passed on to Mia Sousa." in said
        [answer] = m.discord_dm()[discord_before:]
        assert "Dana Berg (your mentor, pair #1) says:" in answer
        assert "Happy to help, \\*really\\*" in answer, answer  # Discord markdown, escaped
        assert len(m.telegram()) == telegram_before + 1  # only the "passed on" reply

        # -- Discord unlinked: nothing more goes there, the next message reaches Telegram --
        out = await m.chats.says(MIA, "/disconnect discord")
        assert "Disconnected Discord (mia_on_discord)" in visible(out.last(MIA))
        discord_before = len(m.discord_dm())
        await m.slack_says(DANA, "say See you Monday")
        assert len(m.discord_dm()) == discord_before
        assert "See you Monday" in m.telegram()[-1]
