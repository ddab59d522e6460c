"""A whole mentoring relationship in Telegram private chats, end to end.

The real python-telegram-bot polls FakeTelegram; the real hub answers; notices to other
people go through the outbox and are delivered by the Telegram sender (``app.deliver()``
after every update, as the runner's delivery pass would). Three Telegram users: Cora
creates a program, Dana joins as a mentor from an invitation link, Mia as a mentee; Mia
asks Dana, Dana accepts, Mia proposes the agreement, Dana confirms, and both check in.
Every step is a real update: a typed message or a tap on a button the bot actually sent.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

import pytest

from bots.bootstrap import Mentorhub
from core.clock import ManualClock
from core.i18n import _, p_, translate
from tests.adapters.telegram.conftest import Bot, markup
from tests.fakes.telegram_api import Call, FakeTelegram, callback_query_update, message_update

pytestmark = pytest.mark.timeout(20)

WJ = "\u2060"


@dataclass(frozen=True)
class Member:
    """A Telegram user as the bot sees them."""

    user_id: int
    first_name: str
    last_name: str | None = None
    language_code: str = "en"
    username: str | None = None


CORA = Member(3003003, "Cora", "Lead")
DANA = Member(2002002, "Dana", "Berg", "en")
# Markup in a name: it must reach everyone as text, never as formatting.
MIA = Member(1001001, "Mia", "<b>Sousa</b>", "pt")


class Chats:
    """Sends one update at a time as one of the members, waits until the bot has handled it,
    delivers the outbox, and returns every message sent meanwhile."""

    def __init__(self, app: Mentorhub, bot: Bot) -> None:
        self.app = app
        self.bot = bot
        self.tg: FakeTelegram = bot.tg
        self.updates = 0
        self.presses = 0

    async def says(self, who: Member, text: str) -> Round:
        return await self._run(
            message_update(
                who.user_id,
                text,
                first_name=who.first_name,
                last_name=who.last_name,
                language_code=who.language_code,
                username=who.username,
            )
        )

    async def taps(self, who: Member, label: str) -> Round:
        """Tap the newest button labelled ``label`` still showing in ``who``'s chat."""
        message_id, data = self._button(who, label)
        self.presses += 1
        return await self._run(
            callback_query_update(
                who.user_id,
                data,
                message_id=message_id,
                first_name=who.first_name,
                last_name=who.last_name,
                language_code=who.language_code,
                username=who.username,
            )
        )

    async def _run(self, update: dict[str, Any]) -> Round:
        before = len(self.sent())
        self.tg.push_update(update)
        self.updates += 1
        await self.bot.until_handled(self.updates)
        await self.app.deliver()
        return Round(self.sent()[before:])

    def sent(self, who: Member | None = None) -> list[Call]:
        return [
            c
            for c in self.tg.calls_to("sendMessage")
            if c.ok and (who is None or c.chat_id == who.user_id)
        ]

    def _button(self, who: Member, label: str) -> tuple[int, str]:
        removed = {
            c.params["message_id"]
            for c in self.tg.calls_to("editMessageReplyMarkup")
            if c.chat_id == who.user_id and "reply_markup" not in c.params
        }
        for call in reversed(self.sent(who)):
            message_id = call.result["message_id"]
            if message_id in removed:
                continue
            for label_here, data in buttons(call):
                if label_here == label:
                    return message_id, data
        raise AssertionError(f"no button {label!r} showing for {who.first_name}")


@dataclass(frozen=True)
class Round:
    """What the bot sent while one update was handled (replies, then delivered notices)."""

    calls: list[Call]

    def to(self, who: Member) -> list[Call]:
        return [c for c in self.calls if c.chat_id == who.user_id]

    def texts(self, who: Member) -> list[str]:
        return [c.params["text"] for c in self.to(who)]

    def last(self, who: Member) -> Call:
        return self.to(who)[-1]


def buttons(call: Call) -> list[tuple[str, str]]:
    rows = call.params.get("reply_markup", {}).get("inline_keyboard", [])
    return [(b["text"], b["callback_data"]) for row in rows for b in row]


def pt(message: str, **values: str) -> str:
    """What a reader of Brazilian Portuguese reads for ``message``."""
    return translate(_(message, **values), "pt-BR")


def labels(call: Call) -> list[str]:
    return [label for label, _ in buttons(call)]


def visible(call: Call) -> str:
    """The text as a reader sees it: tags gone, entities decoded, word joiners dropped."""
    return html.unescape(re.sub(r"</?(b|code)>", "", call.params["text"])).replace(WJ, "")


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)


def assert_harmless(call: Call) -> None:
    """Only our own <b> and <code> in Telegram HTML, so nothing a user typed is markup."""
    assert call.params["parse_mode"] == "HTML"
    parser = _Tags()
    parser.feed(call.params["text"])
    assert set(parser.tags) <= {"b", "code"}, call.params["text"]


async def test_a_whole_relationship_in_private_chats(
    app: Mentorhub, bot: Bot, clock: ManualClock
) -> None:
    chats = Chats(app, bot)

    # -- Cora registers in one line and creates the program ------------------------------
    out = await chats.says(CORA, '/start "Cora Lead" Europe/London en')
    assert visible(out.last(CORA)).startswith("Welcome!\nYou're registered, Cora Lead.")
    out = await chats.says(CORA, "/newprogram design-26 Design mentoring 2026")
    created, card = out.to(CORA)
    assert created.params["text"] == (
        "<b>Program created</b>\n"
        "Program Design mentoring 2026 created; you're its coordinator.\n"
        "People join with /enroll design-26 mentee or /enroll design-26 mentor. "
        "Adjust it with /configure design-26 &lt;field&gt; &lt;value&gt; "
        "(see /help configure)."
    )
    assert card.params["reply_markup"] == markup(
        [("Join as mentee", "c:enroll:design-26:mentee")],
        [("Join as mentor", "c:enroll:design-26:mentor")],
    )
    await chats.says(CORA, "/configure design-26 cadence weekly")

    # -- Dana comes from an invitation link (t.me/<bot>?start=join_design-26) ---------------
    out = await chats.says(DANA, "/start join_design-26")
    assert out.texts(DANA) == ["Welcome to mentorhub! What name should people see?"]
    await chats.taps(DANA, "Use “Dana Berg”")
    out = await chats.says(DANA, "Berlin")  # a city, typed
    assert labels(out.last(DANA)) == ["en", "Cancel"]
    out = await chats.taps(DANA, "en")
    welcome, invitation = out.to(DANA)
    assert welcome.params["text"] == (
        "<b>Welcome!</b>\n"
        f"You're registered, Dana Berg. Your handle is @{WJ}dana_berg.\n"
        "Next: join Design mentoring 2026 below, or /help to see everything."
    )
    assert visible(invitation).startswith("Design mentoring 2026\nShort name: design-26\n")
    assert "Check-in questions" not in visible(invitation)  # that's the coordinators' view
    assert labels(invitation) == ["Join as mentee", "Join as mentor"]

    out = await chats.taps(DANA, "Join as mentor")
    assert out.texts(DANA) == [
        "What can you help with? A few skills or topics, separated by commas."
    ]
    out = await chats.says(DANA, "figma, career")
    assert labels(out.last(DANA)) == ["Written check-ins", "Live chat", "Calls", "Cancel"]
    await chats.taps(DANA, "Written check-ins")
    out = await chats.says(DANA, "Tue evenings")
    assert labels(out.last(DANA)) == ["2 (usual)", "1", "3", "Cancel"]
    out = await chats.taps(DANA, "2 (usual)")
    assert visible(out.to(DANA)[0]) == (
        "Joined\nYou're in Design mentoring 2026 as a mentor.\n"
        "Mentees can now ask you. You'll mentor up to 2 at once."
    )
    assert out.texts(CORA) == [  # the coordinator hears of it through the outbox
        "<b>Design mentoring 2026</b>\nDana Berg joined Design mentoring 2026 as a mentor."
    ]

    # -- Mia registers by buttons: her app is in Portuguese, so the bot speaks it, and her
    # zone is suggested from it; then she chooses English for the bot ---------------------
    out = await chats.says(MIA, "/start")
    use_name = pt("Use “{name}”", name="Mia <b>Sousa</b>")
    cancel = translate(p_("button", "Cancel"), "pt-BR")
    assert labels(out.last(MIA)) == [use_name, cancel]  # labels are plain
    out = await chats.taps(MIA, use_name)
    assert labels(out.last(MIA)) == [
        "America/Sao_Paulo",
        "Europe/Lisbon",
        "Africa/Luanda",
        cancel,
    ]
    await chats.taps(MIA, "Europe/Lisbon")
    out = await chats.taps(MIA, "pt")
    registered = pt(
        "You're registered, {name}. Your handle is @{handle}.",
        name="Mia <b>Sousa</b>",
        handle="mia_b_sousa_b",
    )
    assert out.texts(MIA)[0].startswith(f"<b>{pt('Welcome!')}</b>\n")
    assert registered.split("@")[0].replace("<", "&lt;").replace(">", "&gt;") in out.texts(MIA)[0]
    assert "/programs" in out.texts(MIA)[0] and "/help" in out.texts(MIA)[0]  # as typed here
    out = await chats.says(MIA, "/language en")
    assert out.texts(MIA) == ["From now on I speak English with you."]

    # -- Mia enrolls by command, text and buttons --------------------------------------------
    await chats.says(MIA, "/enroll design-26 mentee")
    out = await chats.says(MIA, "figma, portfolio")
    assert labels(out.last(MIA)) == ["Skip", "Cancel"]
    await chats.says(MIA, "Land my first <i>design</i> job & *more*")
    await chats.taps(MIA, "Written check-ins")
    out = await chats.taps(MIA, "Skip")
    assert visible(out.to(MIA)[0]) == (
        "Joined\nYou're in Design mentoring 2026 as a mentee.\n"
        "Next: /mentors design-26 to find a mentor, then /ask."
    )

    # -- Mia finds Dana and asks her; Dana gets the request as a DM --------------------------
    out = await chats.says(MIA, "/mentors")
    header, dana_card = out.to(MIA)
    assert visible(header).startswith("Mentors\nMentors with free places in Design mentoring")
    assert visible(dana_card).startswith("Dana Berg\n@dana_berg\nHelps with: figma, career\n")
    assert labels(dana_card) == ["Ask Dana Berg"]
    out = await chats.says(MIA, "/ask @dana_berg")
    assert out.texts(MIA) == [
        "<b>Request sent</b>\nI've asked Dana Berg. They have 72 hours to answer."
    ]
    [request] = out.to(DANA)
    assert request.params["text"] == (
        "<b>Mentoring request</b>\n"
        "Mia &lt;b&gt;Sousa&lt;/b&gt; would like you as their mentor in Design mentoring 2026.\n"
        "<b>Wants to learn</b>: figma, portfolio\n"
        "<b>Goals</b>: Land my first &lt;i&gt;design&lt;/i&gt; job &amp; *more*\n"
        "<b>Prefers</b>: async\n"
        "<b>Please answer by</b>: Thu 05 Mar 2026 10:00 CET"  # on Dana's clock, in Berlin
    )
    assert request.params["reply_markup"] == markup(
        [("Accept", "a:accept:1")], [("Decline", "a:decline:1")]
    )

    # -- Dana taps Accept on that DM; both hear they are paired ------------------------------
    out = await chats.taps(DANA, "Accept")
    assert out.texts(DANA)[0].startswith(
        "<b>Request accepted</b>\nYou accepted Mia &lt;b&gt;Sousa&lt;/b&gt;. I've told them.\n"
        "You're paired with Mia &lt;b&gt;Sousa&lt;/b&gt; as your mentee (pair #1)."
    )  # one message for the mentor, with the first step
    [paired_mia] = out.to(MIA)
    assert visible(paired_mia).startswith(
        "New mentoring pair\nYou're paired with Dana Berg as your mentor (pair #1)."
    )
    assert paired_mia.params["reply_markup"] == markup(
        [("Propose our agreement", "c:agree:pair=1")]
    )
    assert "You're paired with Mia <b>Sousa</b> as your mentee" in visible(out.to(DANA)[-1])

    # -- Mia proposes the agreement by buttons and text ------------------------------------
    out = await chats.says(MIA, "/agree")
    assert visible(out.last(MIA)).startswith("Agreement for pair #1 (1/8)\nWhat do you want")
    await chats.taps(MIA, "Use the mentee's goals")
    await chats.taps(MIA, "Weekly")
    await chats.taps(MIA, "Written check-ins")
    out = await chats.says(MIA, "here in chat")
    assert visible(out.last(MIA)).startswith("(5/8)\nWhen do you start?")  # written: no meetings
    out = await chats.says(MIA, "2026-03-09")
    assert labels(out.last(MIA)) == ["12 weeks", "8 weeks", "6 months", "Cancel"]
    await chats.taps(MIA, "12 weeks")
    await chats.taps(MIA, "48 hours")
    out = await chats.taps(MIA, "Everything we discuss stays between us")
    assert visible(out.to(MIA)[0]).startswith(
        "Your proposal (version 1)\nSent to Dana Berg. It's in force when they confirm."
    )
    [proposal] = out.to(DANA)
    assert visible(proposal).startswith(
        "Agreement proposal for pair #1\n"
        "Mia <b>Sousa</b> proposed your agreement (version 1). It's in force once you confirm.\n"
        "Goals: Land my first <i>design</i> job & *more*\n"
        "Check-ins: weekly\n"
    )
    assert "Timeline: Mon 09 Mar 2026 to Mon 01 Jun 2026" in visible(proposal)
    assert proposal.params["reply_markup"] == markup(
        [("Confirm", "a:confirm:pair=1")], [("Suggest changes", "a:agree:pair=1")]
    )

    # -- Dana taps Confirm --------------------------------------------------------------------
    out = await chats.taps(DANA, "Confirm")
    confirmed = (
        "Agreement confirmed\n"
        "Agreement version 1 is in force for pair #1. Your first check-in opens Mon 09 Mar 2026."
    )
    assert visible(out.to(DANA)[0]).startswith(confirmed)
    assert visible(out.to(MIA)[0]) == (  # the proposer isn't shown the whole agreement again
        "Agreement confirmed\nDana Berg confirmed. "
        "Agreement version 1 is in force for pair #1. Your first check-in opens Mon 09 Mar 2026."
    )

    # -- the first period opens: Mia checks in by buttons and text -------------------------
    clock.set(clock.now().replace(day=9, hour=10))
    out = await chats.says(MIA, "/checkin")
    [question] = out.to(MIA)  # no "still open" reminder: the question is right there
    assert visible(question) == (
        "Check-in 1 for pair #1\nDid you meet or talk since the last check-in?"
    )
    assert labels(question) == ["Yes", "No", "Cancel"]
    await chats.taps(MIA, "Yes")
    out = await chats.says(MIA, "45")  # minutes, typed instead of tapped
    assert out.texts(MIA) == ["What progress did you make toward the goals you agreed on?"]
    # Markup in an answer, HTML and Markdown: the mentor must see it as typed.
    await chats.says(
        MIA, 'Finished the <i>case study</i> & <a href="https://x.example">it</a> *[so](tg://x)*'
    )
    await chats.taps(MIA, "Nothing")
    out = await chats.taps(MIA, "4")
    assert labels(out.last(MIA)) == ["Skip", "Cancel"]
    await chats.says(MIA, "I'm nervous about presenting <b>tomorrow</b>")
    out = await chats.taps(MIA, "Only me")
    assert visible(out.to(MIA)[0]).startswith("Check-in saved\nThanks — check-in 1 recorded.")
    [brief] = out.to(DANA)  # the mentor gets the mentee's brief
    assert brief.params["text"] == (
        "<b>Check-in 1, pair #1</b>\n"
        "Mia &lt;b&gt;Sousa&lt;/b&gt; checked in. Their brief:\n"
        "<b>Met</b>: yes, 45 min\n"
        "<b>What progress did you make toward the goals you agreed on?</b>: "
        "Finished the &lt;i&gt;case study&lt;/i&gt; &amp; "
        f'&lt;a href="https:{WJ}//x.{WJ}example"&gt;it&lt;/a&gt; *[so](tg:{WJ}//x)*\n'
        "<b>What is blocking you, if anything?</b>: nothing\n"
        "<b>Rating</b>: 4/5"
    )

    # -- Dana checks in too ----------------------------------------------------------------
    await chats.says(DANA, "/checkin")
    await chats.taps(DANA, "Yes")
    await chats.taps(DANA, "30")
    await chats.says(DANA, "Reviewed the draft")
    await chats.says(DANA, "Nothing")  # a choice, typed
    await chats.taps(DANA, "5")
    out = await chats.taps(DANA, "Skip")
    assert visible(out.to(DANA)[0]).startswith("Check-in saved\nThanks — check-in 1 recorded.")
    assert out.texts(MIA) == ["Dana Berg checked in for period 1."]

    # -- across the whole journey -----------------------------------------------------------
    for other in (DANA, CORA):  # Mia's private note reached nobody else
        seen = [visible(c) for c in chats.sent(other)]
        assert not any("nervous" in text or "tomorrow" in text for text in seen)
    for call in chats.sent():
        assert_harmless(call)
    assert len(bot.tg.calls_to("answerCallbackQuery")) == chats.presses
    assert bot.tg.calls_to("sendMessage") == chats.sent()  # nothing failed or was retried
