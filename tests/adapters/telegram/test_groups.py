"""A program linked to a Telegram group: announcements there, everything personal in DMs.

Real python-telegram-bot polling FakeTelegram, the real hub. Cora coordinates a program
that Dana (mentor) and Mia (mentee) joined; the group is GROUP.
"""

from __future__ import annotations

import dataclasses

import pytest

from bots.bootstrap import Mentorhub
from core.identity import Platform, UserRef
from core.messages import Outcome
from tests.adapters.telegram.conftest import Bot
from tests.fakes.telegram_api import BOT_USERNAME, Call, message_update

pytestmark = pytest.mark.timeout(20)

CORA, DANA, MIA = 3003003, 2002002, 1001001
GROUP = -1001234567890
WJ = "\u2060"
PROGRAM_TITLE = "<b>Design &lt;b&gt;crit&lt;/b&gt;</b>"  # the name, escaped: no markup
INVITE = "Let's talk in private: I answer personal requests in a direct chat with me"


def ref(user_id: int, space: int | None = None) -> UserRef:
    return UserRef(
        Platform("telegram"), "", str(user_id), f"User {user_id}", "en", space=str(space or "")
    )


async def answer_until_done(app: Mentorhub, who: UserRef, outcome: Outcome) -> None:
    """Finish a dialog: a typed answer where text is expected, else the first button."""
    for _ in range(10):
        last = outcome.replies[-1]
        if last.expects_text:
            outcome = await app.hub.message(who, "figma")
        elif last.choices:
            outcome = await app.hub.action(who, last.choices[0].action)
        else:
            assert last.title == "Joined", last
            return
    raise AssertionError("the dialog did not finish")


async def program_with_people(app: Mentorhub) -> None:
    for user_id, name in ((CORA, "Cora Lead"), (DANA, "Dana Berg"), (MIA, "Mia Sousa")):
        started = await app.hub.command(ref(user_id), "start", f'"{name}" Europe/Berlin en')
        assert started.replies[0].title == "Welcome!"
    created = await app.hub.command(ref(CORA), "newprogram", "design-26 Design <b>crit</b>")
    assert created.replies[0].title == "Program created"
    for user_id, role in ((DANA, "mentor 2"), (MIA, "mentee")):
        outcome = await app.hub.command(ref(user_id), "enroll", f"design-26 {role}")
        await answer_until_done(app, ref(user_id), outcome)
    await app.deliver()  # "… joined" notices to Cora, before the test looks


async def says_in_group(bot: Bot, user_id: int, text: str, handled: int) -> list[Call]:
    """What the bot sent while handling one group message (and delivering the outbox)."""
    before = len(sent(bot))
    bot.tg.push_update(message_update(user_id, text, first_name="U", chat_id=GROUP))
    await bot.until_handled(handled)
    return sent(bot)[before:]


def sent(bot: Bot, chat_id: int | None = None) -> list[Call]:
    return [
        c
        for c in bot.tg.calls_to("sendMessage")
        if c.ok and (chat_id is None or c.chat_id == chat_id)
    ]


def texts(calls: list[Call], chat_id: int) -> list[str]:
    return [c.params["text"] for c in calls if c.chat_id == chat_id]


async def test_a_coordinator_links_a_group_then_announces(app: Mentorhub, bot: Bot) -> None:
    await program_with_people(app)
    bot.tg.set_member_status(GROUP, CORA, "administrator")  # getChatMember says so

    linked = await says_in_group(bot, CORA, f"/link@{BOT_USERNAME} design-26", handled=1)
    assert texts(linked, GROUP) == [
        f"{PROGRAM_TITLE}\nDesign &lt;b&gt;crit&lt;/b&gt;'s announcements will be posted here. "
        "Personal messages never are: those stay in private chats with me."
    ]
    assert texts(linked, CORA) == [
        "<b>Linked</b>\nLinked Design &lt;b&gt;crit&lt;/b&gt; to this group."
    ]
    assert {c.chat_id for c in linked} == {GROUP, CORA}
    async with app.uow() as uow:
        program = await uow.programs.by_slug("design-26")
    assert program is not None and program.space == f"telegram:{GROUP}"

    # Typed with apostrophes, markup and a mass mention: all of it arrives as text.
    text = "Don't miss Friday's <b>kick-off</b>, @everyone!\nSee you there."
    before = len(sent(bot))
    await says_in_group(bot, CORA, f"/announce@{BOT_USERNAME} design-26 {text}", handled=2)
    await app.deliver()
    announced = sent(bot)[before:]
    expected = (
        f"<b>Announcement: Design &lt;b&gt;crit&lt;/b&gt;</b>\n"
        f"Don't miss Friday's &lt;b&gt;kick-off&lt;/b&gt;, @{WJ}everyone!\nSee you there."
    )
    group_posts = [c for c in announced if c.chat_id == GROUP]
    assert [c.params["text"] for c in group_posts] == [expected]  # exactly one, in the group
    assert "reply_markup" not in group_posts[0].params
    assert texts(announced, DANA) == [expected]  # each participant: a DM, via the outbox
    assert texts(announced, MIA) == [expected]
    assert texts(announced, CORA) == [
        "Sent to 2 people in Design &lt;b&gt;crit&lt;/b&gt;.",
        "Posted in its group too.",
    ]


async def test_in_a_linked_group_personal_things_stay_private(app: Mentorhub, bot: Bot) -> None:
    await program_with_people(app)
    manager = dataclasses.replace(ref(CORA, space=GROUP), can_manage_here=True)
    link = await app.hub.command(manager, "link", "design-26")
    assert link.replies[0].title == "Linked"
    group_before = len(sent(bot, GROUP))  # the link's welcome post

    # A participant's /checkin in the group: the invitation, with the program's join link.
    checkin = await says_in_group(bot, MIA, f"/checkin@{BOT_USERNAME}", handled=1)
    assert [c.chat_id for c in checkin] == [GROUP]
    assert checkin[0].params["text"].startswith(INVITE)
    assert checkin[0].params["reply_markup"]["inline_keyboard"][0][0]["url"] == (
        f"https://t.me/{BOT_USERNAME}?start=join_design-26"
    )
    # Participants can't link or announce: the same invitation, nothing carried out.
    for number, (verb, args) in enumerate((("announce", "design-26 hi"), ("link", "design-26"))):
        text = f"/{verb}@{BOT_USERNAME} {args}"
        refused = await says_in_group(bot, DANA, text, handled=2 + number)
        assert [c.chat_id for c in refused] == [GROUP]
        assert refused[0].params["text"].startswith(INVITE)
    # A coordinator's other commands get it too: only link and announce work in a group.
    status = await says_in_group(bot, CORA, f"/status@{BOT_USERNAME}", handled=4)
    assert [c.chat_id for c in status] == [GROUP]
    assert status[0].params["text"].startswith(INVITE)

    # Notices about people still go to them directly, never to the linked group.
    assigned = await app.hub.command(ref(CORA), "assign", "design-26 mia_sousa dana_berg")
    assert "Paired" in assigned.replies[0].text
    before = len(sent(bot))
    await app.deliver()
    delivered = sent(bot)[before:]
    assert {c.chat_id for c in delivered} == {MIA, DANA}
    assert len(sent(bot, GROUP)) == group_before + 4  # the four invitations, nothing else


async def test_a_coordinator_without_a_private_chat_is_invited(app: Mentorhub, bot: Bot) -> None:
    await program_with_people(app)
    bot.tg.block(CORA)  # never opened a private chat with the bot (or blocked it)
    bot.tg.set_member_status(GROUP, CORA, "creator")
    linked = await says_in_group(bot, CORA, f"/link@{BOT_USERNAME} design-26", handled=1)
    group = [c for c in linked if c.chat_id == GROUP]
    assert len(group) == 2  # the link's welcome post, then the invitation
    assert group[1].params["text"].startswith(INVITE)


@pytest.mark.parametrize("status", ["member", "restricted", "left"])
async def test_only_a_group_admin_links_it(app: Mentorhub, bot: Bot, status: str) -> None:
    """A coordinator who isn't one of the group's admins (Telegram's getChatMember) can't
    make the bot post there: refused privately, nothing posted in the group."""
    await program_with_people(app)
    bot.tg.set_member_status(GROUP, CORA, status)
    linked = await says_in_group(bot, CORA, f"/link@{BOT_USERNAME} design-26", handled=1)
    assert texts(linked, GROUP) == []
    assert texts(linked, CORA) == [
        "⚠️ Only someone who manages this group can link it to Design &lt;b&gt;crit&lt;/b&gt;."
        "\nAsk one of its managers or admins to send /link design-26 here."
    ]
    asked = bot.tg.calls_to("getChatMember")
    assert [(c.params["chat_id"], c.params["user_id"]) for c in asked] == [(str(GROUP), CORA)]
    async with app.uow() as uow:
        program = await uow.programs.by_slug("design-26")
    assert program is not None and program.space == ""
