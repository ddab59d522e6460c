"""A scheduled check-in nudge in a Discord server, end to end.

The real discord.py runs DiscordMessenger against FakeDiscord; the real Hub, database and
scheduler sit behind it. Mia (mentee, Lisbon) and Dana (mentor, Berlin) join with
/mentor, Cora pairs them, Mia proposes a weekly agreement and Dana confirms it from her
DM. Then time moves on the ManualClock: ``app.dispatch()`` turns the due "check-in opens"
item into a notice and ``app.deliver()`` sends it as a DM with a persistent button; Mia
clicks it and answers the check-in in the DM, and Dana gets the brief. Later Dana closes
her DMs, and her next "check-in opens" nudge becomes a mention in the program's channel
that pings only her and says nothing personal. Each nudge goes out exactly once.

Pacing runs in virtual time (the pacer's clock is the ManualClock), so the per-DM pace of
one message a second costs no wall-clock time.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from adapters.discord.adapter import dms_closed_text
from bots.bootstrap import Mentorhub
from core.clock import ManualClock
from core.pacing import Pacer
from core.ports import DueItem, DueStatus
from core.services.schedule import CHECKIN_CLOSE, CHECKIN_OPEN, CHECKIN_REMINDER
from tests.adapters.discord.harness import (
    EPHEMERAL,
    MANAGES_CHANNEL,
    Harness,
    buttons,
    dm_of,
    first_reply,
    message_text,
    press,
    type_answer,
)
from tests.core.scheduling_helpers import FakeTime
from tests.fakes.discord_api import option

pytestmark = pytest.mark.timeout(15)

MIA = 444444444444444444
DANA = 555555555555555555
CORA = 666666666666666666
IN_DM = None  # a click on a message in the user's DM: no guild


async def register(h: Harness, user: int, name: str, zone: str) -> None:
    token = await h.slash(
        "start", option("name", name), option("timezone", zone), option("languages", "en"),
        user=user,
    )  # fmt: skip
    await h.reply_with(token, f"You're registered, {name}.")


async def enroll(h: Harness, user: int, role: str, *typed: str) -> None:
    """/mentor enroll, then the dialog: skills (and a mentee's goals) typed in the answer
    modal, written check-ins, no availability."""
    options = [option("program", "prog"), option("role", role)]
    if role == "mentor":
        options.append(option("capacity", 1))
    step = await first_reply(h, await h.slash("enroll", *options, user=user))
    for text in typed:
        step = await type_answer(h, step, text, user)
    step = await press(h, step, "Written check-ins", user)
    joined = await press(h, step, "Skip", user)
    assert f"as a {role}." in joined["content"]


async def paired_with_an_agreement(h: Harness, app: Mentorhub) -> int:
    """Mia and Dana join, Cora pairs them, Mia proposes a weekly agreement from Monday
    9 March, Dana confirms it by the button in her DM. The pair's id."""
    await register(h, MIA, "Mia Sousa", "Europe/Lisbon")
    await register(h, DANA, "Dana Berg", "Europe/Berlin")
    await register(h, CORA, "Cora Lead", "Europe/London")
    token = await h.slash(
        "newprogram", option("slug", "prog"), option("name", "Design 26"), user=CORA
    )
    await h.reply_with(token, "Program Design 26 created")
    await enroll(h, DANA, "mentor", "figma, career")
    await enroll(h, MIA, "mentee", "figma, portfolio", "Land my first design job")
    token = await h.slash(
        "assign", option("program", "prog"), option("mentee", "mia_sousa"),
        option("mentor", "dana_berg"), user=CORA,
    )  # fmt: skip
    await h.reply_with(token, "Paired #")
    await app.deliver()

    step = await first_reply(h, await h.slash("agree", user=MIA))
    for label in ("mentee's goals", "Weekly", "Written check-ins"):
        step = await press(h, step, label, MIA)
    step = await type_answer(h, step, "video call, link in DM", MIA)
    for label in ("Monday 09 Mar", "12 weeks", "48 hours", "stays between us"):
        step = await press(h, step, label, MIA)
    assert "Sent to Dana Berg." in message_text(step)
    await app.deliver()
    proposal = dm_of(h, DANA)[-1]
    confirmed = await press(h, proposal, "Confirm", DANA, guild=IN_DM)
    assert "is in force" in message_text(confirmed)
    await app.deliver()

    async with app.uow() as uow:
        mia = await uow.people.by_handle("mia_sousa")
        assert mia is not None and mia.id is not None
        (pair,) = await uow.pairs.of_person(mia.id)
    assert pair.id is not None
    return pair.id


async def person_id(app: Mentorhub, handle: str) -> int:
    async with app.uow() as uow:
        person = await uow.people.by_handle(handle)
    assert person is not None and person.id is not None
    return person.id


async def due_item(app: Mentorhub, pair_id: int, kind: str, handle: str, period: int) -> DueItem:
    """One of the pair's due items: of this kind, for this person and period."""
    who = await person_id(app, handle)
    async with app.uow() as uow:
        items = await uow.due.for_subject(f"pair:{pair_id}")
    (item,) = [i for i in items if i.kind == kind and i.person_id == who and i.period == period]
    return item


async def test_a_scheduled_check_in_by_dm_with_buttons_then_a_channel_mention(
    h: Harness, app: Mentorhub, clock: ManualClock
) -> None:
    time = FakeTime(clock)
    app.delivery.pacer = Pacer(monotonic=time.monotonic, sleep=time.sleep)
    h.usernames.update({MIA: "mia", DANA: "dana", CORA: "cora"})
    pair_id = await paired_with_an_agreement(h, app)
    checkin_action = f"c:checkin:pair={pair_id}"

    # -- 9 March, 09:00 in Lisbon: Mia's first check-in opens, by DM with a button -------
    first = await due_item(app, pair_id, CHECKIN_OPEN, "mia_sousa", period=0)
    clock.set(first.due_at - timedelta(minutes=1))
    assert (await app.dispatch()).notices == 1  # only Dana's: 09:00 in Berlin is earlier
    clock.set(first.due_at)
    dispatched = await app.dispatch()
    assert (dispatched.done, dispatched.notices) == (1, 1)
    delivered = await app.deliver()
    assert (delivered.sent, delivered.failed) == (2, 0)  # Dana's and Mia's

    nudge = dm_of(h, MIA)[-1]
    assert nudge["content"].startswith(
        "**Time to check in**\nCheck-in 1 with Dana Berg is open through Sun 15 Mar 2026."
    )
    assert buttons(nudge) == [("Check in now", checkin_action)]
    (button,) = nudge["components"][0]["components"]
    assert button["custom_id"] == checkin_action  # the action itself: no per-message state
    assert "Time to check in" in dm_of(h, DANA)[-1]["content"]
    assert (await app.dispatch()).claimed == 0  # once: nothing left to act on
    assert (await app.deliver()).sent == 0

    # -- Mia answers from the DM: buttons, and typed answers as DMs to the bot -----------
    await h.restart()  # the button is decoded from its custom_id by a brand-new client
    step = await press(h, nudge, "Check in now", MIA, guild=IN_DM)
    assert "Check-in 1 for pair #" in step["content"] and not step["flags"] & EPHEMERAL
    step = await press(h, step, "Yes", MIA, guild=IN_DM)
    step = await press(h, step, "30", MIA, guild=IN_DM)
    step = await h.write_dm("Finished the case study draft", user=MIA)
    step = await press(h, step, "Nothing", MIA, guild=IN_DM)
    step = await press(h, step, "4", MIA, guild=IN_DM)
    step = await h.write_dm("I'm nervous about presenting", user=MIA)
    saved = await press(h, step, "Only me", MIA, guild=IN_DM)
    assert "check-in 1 recorded" in saved["content"]
    assert (await app.deliver()).sent == 1
    brief = dm_of(h, DANA)[-1]
    assert "toward the goals you agreed on?: Finished the case study draft" in message_text(brief)
    assert "nervous" not in message_text(brief)  # the private note stays private

    # -- Saturday: Dana hasn't checked in; her reminder still reaches her DM -------------
    token = await h.slash(
        "link", option("program", "prog"), user=CORA, member_permissions=MANAGES_CHANNEL
    )
    await h.reply_with(token, "Linked")
    reminder = await due_item(app, pair_id, CHECKIN_REMINDER, "dana_berg", period=0)
    clock.set(reminder.due_at)
    await app.dispatch()
    assert (await app.deliver()).sent == 1
    assert "A friendly reminder" in dm_of(h, DANA)[-1]["content"]

    second = await due_item(app, pair_id, CHECKIN_OPEN, "dana_berg", period=1)
    clock.set(second.due_at - timedelta(minutes=1))
    quiet = await app.dispatch()  # Mia's reminder: she has answered, so it says nothing
    assert (quiet.claimed, quiet.notices) == (1, 0)

    # -- Monday: Mia's period closes on her morning (quietly: one miss is no news in this
    # program), and Dana's next check-in, due earlier on her Berlin clock, waits for it ---
    token = await h.slash(
        "configure", option("program", "prog"), option("field", "remind_after"),
        option("value", "2"), user=CORA,
    )  # fmt: skip
    await h.reply_with(token, "Updated remind\\_after.")  # escaped for Discord
    close = await due_item(app, pair_id, CHECKIN_CLOSE, "mia_sousa", period=0)
    assert close.due_at > second.due_at
    clock.set(close.due_at)
    closing = await app.dispatch()
    assert (closing.done, closing.deferred, closing.notices) == (1, 1, 0)
    second = await due_item(app, pair_id, CHECKIN_OPEN, "dana_berg", period=1)
    assert second.due_at > close.due_at

    # -- Dana has closed her DMs; her nudge becomes a mention in the channel --------------
    h.dc.close_dms(DANA)
    dm_messages = len(dm_of(h, DANA))
    clock.set(second.due_at)
    dispatched = await app.dispatch()
    assert (dispatched.done, dispatched.notices) == (1, 1)
    delivered = await app.deliver()
    assert (delivered.sent, delivered.failed, delivered.unreachable) == (1, 0, 0)
    refused = h.dc.calls_to("POST", rf"^/channels/{h.dc.dm_channel_id(DANA)}/messages$")[-1]
    assert refused.status == 403 and "Time to check in" in refused.json["content"]

    _welcome, mention = h.dc.messages_sent(h.channel)  # after the link's own post
    assert mention["content"] == dms_closed_text(DANA, None)  # nothing personal
    assert not mention.get("embeds") and not mention.get("components")
    post = h.dc.calls_to("POST", rf"^/channels/{h.channel}/messages$")[-1]
    assert post.json["allowed_mentions"] == {"parse": [], "users": [DANA]}  # only Dana
    assert len(dm_of(h, DANA)) == dm_messages

    assert (await app.dispatch()).claimed == 0  # exactly once
    assert (await app.deliver()).sent == 0
    assert len(h.dc.messages_sent(h.channel)) == 2  # the link's post and the one mention
    async with app.uow() as uow:
        items = await uow.due.for_subject(f"pair:{pair_id}")
    assert next(i for i in items if i.id == second.id).status == DueStatus.DONE
