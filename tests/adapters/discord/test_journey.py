"""A mentoring relationship in a Discord server, end to end.

The real discord.py runs DiscordMessenger against FakeDiscord; the real Hub and database sit
behind it; notices go out through ``app.deliver()`` and the adapter's Sender, as DMs.
Three people: Mia (mentee) and Dana (mentor) join by the /mentor start dialog; Cora
(coordinator) creates the program and pairs them. Mia proposes the agreement, Dana
confirms it from the DM, Mia answers the first check-in; then Dana closes her DMs and the
next notice for her becomes a mention in the program's channel.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bots.bootstrap import Mentorhub
from core.clock import ManualClock
from core.identity import Platform
from core.model import PairStatus
from tests.adapters.discord.harness import (
    EPHEMERAL,
    GUILD,
    MANAGES_CHANNEL,
    Harness,
    buttons,
    dm_of,
    first_reply,
    message_text,
    press,
    type_answer,
)
from tests.fakes.discord_api import option

pytestmark = pytest.mark.timeout(15)

MIA = 444444444444444444
DANA = 555555555555555555
CORA = 666666666666666666
NO_MENTIONS: dict[str, list[str]] = {"parse": []}
DM_OPEN = r"^/users/@me/channels$"
CHANNEL_MESSAGES = r"^/channels/\d+/messages$"


async def join(h: Harness, user: int, city: str, name: str = "") -> dict[str, Any]:
    """/mentor start as a dialog: the name typed or taken from Discord by button, the
    time zone typed, a language by button."""
    prompt = await first_reply(h, await h.slash("start", user=user))
    assert prompt["flags"] & EPHEMERAL and "What name should people see?" in prompt["content"]
    zone = await type_answer(h, prompt, name, user) if name else await press(h, prompt, "Use", user)
    languages = await type_answer(h, zone, city, user)
    return await press(h, languages, "en", user)


async def test_two_people_join_pair_agree_and_check_in(
    h: Harness, app: Mentorhub, clock: ManualClock
) -> None:
    h.usernames.update({MIA: "mia", DANA: "dana", CORA: "cora"})

    # -- joining: two by the dialog (buttons and the answer modal), one by options --------
    welcome = await join(h, MIA, "Lisbon")
    assert "You're registered, mia. Your handle is @mia." in welcome["content"]
    welcome = await join(h, DANA, "Berlin", name="Dana Berg")
    assert "Your handle is @dana\\_berg." in welcome["content"]
    token = await h.slash(
        "start",
        option("name", "Cora Lead"),
        option("timezone", "Europe/London"),
        option("languages", "en"),
        user=CORA,
    )
    await h.reply_with(token, "You're registered, Cora Lead.")
    async with app.uow() as uow:
        mia = await uow.people.by_handle("mia")
    assert mia is not None and mia.timezone == "Europe/Lisbon"

    # -- the program, and both enrol through their dialogs --------------------------------
    created = await h.reply_with(
        await h.slash("newprogram", option("slug", "prog"), option("name", "Design 26"), user=CORA),
        "Program Design 26 created",
    )
    assert created["flags"] & EPHEMERAL
    skills = await first_reply(
        h,
        await h.slash(
            "enroll", option("program", "prog"), option("role", "mentor"), option("capacity", 1),
            user=DANA,
        ),
    )  # fmt: skip
    mode = await type_answer(h, skills, "figma, career", DANA)
    availability = await press(h, mode, "Written check-ins", DANA)
    joined = await press(h, availability, "Skip", DANA)
    assert "You're in Design 26 as a mentor." in joined["content"]

    skills = await first_reply(
        h, await h.slash("enroll", option("program", "prog"), option("role", "mentee"), user=MIA)
    )
    goals = await type_answer(h, skills, "figma, portfolio", MIA)
    mode = await type_answer(h, goals, "Land my first design job", MIA)
    availability = await press(h, mode, "Written check-ins", MIA)
    joined = await press(h, availability, "Skip", MIA)
    assert "You're in Design 26 as a mentee." in joined["content"]
    assert h.dc.calls_to("POST", DM_OPEN) == []  # nothing is sent before delivery runs

    # -- the coordinator pairs them; both are told by DM, with a persistent button ---------
    assert h.home("assign") == "mentor-admin"
    token = await h.slash(
        "assign", option("program", "prog"), option("mentee", "mia"), option("mentor", "dana_berg"),
        user=CORA,
    )  # fmt: skip
    await h.reply_with(token, "Paired #1 Dana Berg (mentor) & mia (mentee).")
    report = await app.deliver()
    assert (report.sent, report.failed) == (4, 0)  # Cora: two "joined"; Mia and Dana: paired
    opened = [call.json["recipient_id"] for call in h.dc.calls_to("POST", DM_OPEN)]
    assert sorted(int(r) for r in opened) == sorted([CORA, DANA, MIA])  # one DM each
    for user, partner in ((MIA, "Dana Berg as your mentor"), (DANA, "mia as your mentee")):
        (paired,) = dm_of(h, user)
        assert f"You're paired with {partner} (pair #1)." in paired["content"]
        assert buttons(paired) == [("Propose our agreement", "c:agree:pair=1")]
    for call in h.dc.calls_to("POST", CHANNEL_MESSAGES):
        assert call.json["allowed_mentions"] == NO_MENTIONS
        assert call.json["nonce"] and call.json["enforce_nonce"] is True
    pairing_call = next(
        c for c in h.dc.calls_to("POST", CHANNEL_MESSAGES) if "paired" in str(c.json)
    )
    assert pairing_call.json["components"][0]["components"][0]["custom_id"] == "c:agree:pair=1"

    # -- Mia proposes the agreement with /mentor-pair agree: buttons, one typed answer -----
    assert h.home("agree") == "mentor-pair"
    step = await first_reply(h, await h.slash("agree", user=MIA))
    assert "Agreement for pair #1 (1/8)" in step["content"]
    for label in ("mentee's goals", "Weekly", "Written check-ins"):
        step = await press(h, step, label, MIA)
    step = await type_answer(h, step, "video call, link in DM", MIA)  # (4/8) where
    for label in ("Monday 09 Mar", "12 weeks", "48 hours"):  # written: no meeting length
        step = await press(h, step, label, MIA)
    sent = await press(h, step, "stays between us", MIA)
    assert "Sent to Dana Berg. It's in force when they confirm." in message_text(sent)

    # -- Dana gets the proposal by DM and confirms it there ------------------------------
    assert (await app.deliver()).sent == 1
    proposal = dm_of(h, DANA)[-1]
    assert proposal["embeds"][0]["title"] == "Agreement proposal for pair #1"
    assert "How we talk: async — video call, link in DM" in message_text(proposal)
    assert buttons(proposal) == [
        ("Confirm", "a:confirm:pair=1"),
        ("Suggest changes", "a:agree:pair=1"),
    ]
    assert len(h.dc.calls_to("POST", DM_OPEN)) == 3  # the DM channel is cached
    token = await h.click(proposal, "a:confirm:pair=1", user=DANA, guild=None)
    confirmed = await h.reply_with(token, "Agreement version 1 is in force for pair #1.")
    assert not confirmed["flags"] & EPHEMERAL  # an answer in the DM keeps its history
    callback = next(r for r in h.dc.interaction_responses() if r.token == token)
    # The proposal itself now shows the answer, with no live buttons (callback type 7)
    assert callback.type == 7 and callback.data is not None
    assert (callback.data["content"], callback.data["components"]) == ("› Confirm", [])
    assert callback.data["allowed_mentions"] == NO_MENTIONS
    assert buttons(h.dc.message(proposal["id"])) == []
    assert (await app.deliver()).sent == 1
    assert "Agreement version 1 is in force" in message_text(dm_of(h, MIA)[-1])
    async with app.uow() as uow:
        (pair,) = await uow.pairs.of_person(mia.id or 0)
    assert pair.status is PairStatus.ACTIVE

    # -- the first period: Mia checks in by buttons and the modal --------------------------
    clock.set(datetime(2026, 3, 9, 10, 0, tzinfo=UTC))
    step = await first_reply(h, await h.slash("checkin", user=MIA))
    assert "Check-in 1 for pair #1" in step["content"]
    step = await press(h, step, "Yes", MIA)
    step = await press(h, step, "30", MIA)
    step = await type_answer(h, step, "Finished the case study draft", MIA)
    step = await press(h, step, "Nothing", MIA)
    step = await press(h, step, "4", MIA)
    step = await type_answer(h, step, "I'm nervous about presenting", MIA)
    saved = await press(h, step, "Only me", MIA)
    assert "check-in 1 recorded" in saved["content"]
    assert (await app.deliver()).sent == 1
    brief = dm_of(h, DANA)[-1]
    assert "toward the goals you agreed on?: Finished the case study draft" in message_text(brief)
    assert "nervous" not in message_text(brief)  # the private note stays private

    # -- every interaction answer and follow-up was sent with mentions off -----------------
    for response in h.dc.interaction_responses():
        if response.type == 4:
            assert response.data is not None
            assert response.data["allowed_mentions"] == NO_MENTIONS
    for call in h.dc.calls_to("POST", r"^/webhooks/"):
        assert call.json["allowed_mentions"] == NO_MENTIONS

    # -- Dana closes her DMs: the next notice is a mention in the program's channel --------
    channel = h.channel
    token = await h.slash(
        "link", option("program", "prog"), user=CORA, member_permissions=MANAGES_CHANNEL
    )
    await h.reply_with(token, "Linked")
    h.dc.close_dms(DANA)
    step = await first_reply(h, await h.slash("checkin", user=MIA))  # Mia edits her answer
    step = await press(h, step, "Yes", MIA)
    step = await press(h, step, "60", MIA)
    step = await type_answer(h, step, "Shared the case study with Dana", MIA)
    for label in ("Nothing", "5", "Skip"):
        step = await press(h, step, label, MIA)
    assert "check-in 1 recorded" in step["content"]
    report = await app.deliver()
    assert (report.sent, report.failed) == (1, 0)
    welcome, mention = h.dc.messages_sent(channel)  # the link's own post, then the mention
    assert "announcements will be posted here" in message_text(welcome)
    post = h.dc.calls_to("POST", rf"^/channels/{channel}/messages$")[-1]
    assert post.json["allowed_mentions"] == {"parse": [], "users": [DANA]}
    assert mention["content"].startswith(f"<@{DANA}>, I couldn't DM you")
    assert "Shared the case study" not in mention["content"] and "mia" not in mention["content"]
    assert mention["guild_id"] == str(GUILD)
    async with app.uow() as uow:
        account = await uow.accounts.find(Platform("discord"), "", str(DANA))
    assert account is not None and account.reachable  # asked to open DMs; not given up on
