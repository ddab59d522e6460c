"""Closed DMs: a neutral mention in the program's channel, else Unreachable; and
autocomplete of programs and handles from core data."""

from __future__ import annotations

from datetime import timedelta

import pytest

from adapters.discord.adapter import DmsClosed, channel_id_of
from bots.bootstrap import Mentorhub
from core.clock import ManualClock
from core.delivery import Unreachable
from core.identity import Platform, PlatformAccount, UserRef
from core.messages import Reply, reply_to_data
from core.ports import OutboxMessage
from tests.adapters.discord.harness import ANN, BOB, GUILD, MANAGES_CHANNEL, ZW, Harness
from tests.fakes.discord_api import message_create, option

pytestmark = pytest.mark.timeout(15)

SECRET = "Mia's check-in: struggling with the portfolio"
NEUTRAL = "I couldn't DM you — please open your DMs"


def ref(user: int, name: str) -> UserRef:
    return UserRef(Platform("discord"), "", str(user), display_name=name, space=str(GUILD))


async def say(app: Mentorhub, user: int, name: str, verb: str, text: str = "") -> str:
    outcome = await app.hub.command(ref(user, name), verb, text)
    return "\n".join(f"{r.title}\n{r.text}" for r in outcome.replies)


async def account_of(app: Mentorhub, user: int) -> PlatformAccount:
    async with app.uow() as uow:
        account = await uow.accounts.find(Platform("discord"), "", str(user))
    assert account is not None
    return account


async def program_with_member(app: Mentorhub, channel: str | None) -> PlatformAccount:
    """Ann coordinates 'prog' (made in the guild); Bob registered and is its mentor."""
    await say(app, ANN, "Ann", "start", "name=Ann timezone=UTC languages=en")
    await say(app, BOB, "Bob", "start", "name=Bob timezone=UTC languages=en")
    assert "created" in await say(app, ANN, "Ann", "newprogram", "prog Test program")
    if channel is not None:
        await stored_channel(app, channel)
    await say(app, BOB, "Bob", "enroll", "prog mentor 1")
    await app.hub.message(ref(BOB, "Bob"), "figma")
    await app.hub.message(ref(BOB, "Bob"), "async")
    out = await app.hub.message(ref(BOB, "Bob"), "-")
    assert "You're in Test program as a mentor." in out.replies[0].text, out.replies
    assert (await app.deliver()).sent == 1  # "Bob joined", to Ann
    return await account_of(app, BOB)


async def stored_channel(app: Mentorhub, channel: str) -> None:
    """A channel as `configure … channel` stored it before channels could only be linked
    (any text: "#general", "<#id>"): still read, never trusted more than a linked one."""
    async with app.uow() as uow:
        program = await uow.programs.by_slug("prog")
        assert program is not None
        program.channel = channel
        await uow.programs.save(program)
        await uow.commit()


async def link_here(app: Mentorhub, channel: int) -> str:
    """Ann, who may manage ``channel`` (Discord says so), links 'prog' from inside it."""
    manager = UserRef(
        Platform("discord"), "", str(ANN), display_name="Ann", space=str(GUILD),
        channel=str(channel), can_manage_here=True,
    )  # fmt: skip
    outcome = await app.hub.command(manager, "link", "prog")
    return "\n".join(r.text for r in outcome.replies)


async def queue(app: Mentorhub, person_id: int, key: str, text: str) -> None:
    async with app.uow() as uow:
        await uow.outbox.add(
            OutboxMessage(
                person_id=person_id,
                key=key,
                kind="notice",
                payload=reply_to_data(Reply(text, title="Check-in")),
                created_at=app.clock.now(),
                next_attempt_at=app.clock.now(),
            )
        )
        await uow.commit()


def test_channel_ids_as_configured() -> None:
    assert channel_id_of("123456789012345678") == 123456789012345678
    assert channel_id_of(" <#123456789012345678> ") == 123456789012345678
    assert channel_id_of("#general") is None  # a name: we can't tell which channel
    assert channel_id_of("C0123ABCDEF") is None  # a Slack channel
    assert channel_id_of("-1001234567890") is None  # a Telegram group


async def test_closed_dms_become_one_neutral_mention_in_the_program_channel(
    h: Harness, app: Mentorhub, clock: ManualClock
) -> None:
    bob = await program_with_member(app, f"<#{h.channel}>")
    h.dc.close_dms(BOB)
    await queue(app, bob.person_id, "n1", SECRET)
    report = await app.deliver()
    assert (report.sent, report.failed) == (1, 0)

    (mention,) = h.dc.messages_sent(h.channel)
    assert mention["content"].startswith(f"<@{BOB}>, {NEUTRAL}")
    assert "portfolio" not in mention["content"] and "Check-in" not in mention["content"]
    post = h.dc.calls_to("POST", rf"^/channels/{h.channel}/messages$")[0]
    assert post.json["allowed_mentions"] == {"parse": [], "users": [BOB]}  # only Bob
    assert (await account_of(app, BOB)).reachable  # the next notice tries the DM again

    # a second notice soon after: no second mention; Bob is unreachable for now
    await queue(app, bob.person_id, "n2", SECRET)
    report = await app.deliver()
    assert (report.sent, report.unreachable) == (0, 1)
    assert len(h.dc.messages_sent(h.channel)) == 1
    assert not (await account_of(app, BOB)).reachable

    # Bob opens his DMs and writes to the bot: reachable again, DMs get through
    h.dc.open_dms(BOB)
    dm = h.dc.dm_channel_id(BOB)
    assert dm is not None
    await h.dc.dispatch(
        "MESSAGE_CREATE",
        message_create(message_id=71, channel_id=dm, author_id=BOB, content="help"),
    )
    await h.dc.wait_for(lambda: h.dc.messages_sent(dm))
    await h.dc.wait_for(
        lambda: h.app.hub.reachable_noted(ref(BOB, "Bob"))
    )  # marked after answering
    assert (await account_of(app, BOB)).reachable
    await queue(app, bob.person_id, "n3", "hello again")
    assert (await app.deliver()).sent == 2  # n2, missed while unreachable, comes too
    assert {m["content"] for m in h.dc.messages_sent(dm)[-2:]} == {
        "**Check-in**\nhello again",
        f"**Check-in**\n{SECRET}",
    }

    # closed again, much later: one more mention is fine
    h.dc.close_dms(BOB)
    clock.advance(timedelta(hours=13))
    await h.messenger.send(bob, Reply(SECRET))
    assert len(h.dc.messages_sent(h.channel)) == 2


async def test_closed_dms_without_a_channel_are_unreachable(h: Harness, app: Mentorhub) -> None:
    bob = await program_with_member(app, channel=None)
    h.dc.close_dms(BOB)
    with pytest.raises(DmsClosed, match="50007"):
        await h.messenger.send(bob, Reply(SECRET))
    await queue(app, bob.person_id, "n1", SECRET)
    report = await app.deliver()
    assert (report.sent, report.unreachable) == (0, 1)
    assert not (await account_of(app, BOB)).reachable
    assert h.dc.messages_sent(h.channel) == []


async def test_a_channel_that_is_not_discords_or_refuses_us_is_no_fallback(
    h: Harness, app: Mentorhub
) -> None:
    bob = await program_with_member(app, "#general")
    h.dc.close_dms(BOB)
    with pytest.raises(Unreachable):
        await h.messenger.send(bob, Reply(SECRET))

    assert "Linked Test program" in await link_here(app, h.channel)
    (welcome,) = h.dc.messages_sent(h.channel)  # the link's own post
    h.dc.fail_next(
        "POST",
        rf"^/channels/{h.channel}/messages$",
        status=403,
        body={"message": "Missing Permissions", "code": 50013},
    )
    with pytest.raises(Unreachable):
        await h.messenger.send(bob, Reply(SECRET))
    assert h.dc.messages_sent(h.channel) == [welcome]


async def test_a_person_without_programs_is_unreachable(h: Harness, app: Mentorhub) -> None:
    await say(app, BOB, "Bob", "start", "name=Bob timezone=UTC languages=en")
    h.dc.close_dms(BOB)
    with pytest.raises(Unreachable):
        await h.messenger.send(await account_of(app, BOB), Reply(SECRET))


# --- autocomplete from core data -----------------------------------------------------------


async def test_program_and_handle_autocomplete(h: Harness, app: Mentorhub) -> None:
    await program_with_member(app, channel=None)
    await say(app, ANN, "Ann", "newprogram", "design-26 Design")
    await say(app, 999, "Zed", "start", "name=Zed timezone=UTC languages=en")  # in no program

    assert await h.autocomplete("enroll", "program", "") == ["design-26", "prog"]
    assert await h.autocomplete("enroll", "program", "pr", option("role", "mentor")) == ["prog"]
    assert await h.autocomplete("configure", "program", "26") == ["design-26"]
    # handles: people sharing a program with whoever types, never themselves, only handles
    assert await h.autocomplete("assign", "mentee", "", option("program", "prog")) == ["bob"]
    assert await h.autocomplete("assign", "mentor", "@B", user=ANN) == ["bob"]
    assert await h.autocomplete("block", "person", "", user=BOB) == ["ann"]
    assert await h.autocomplete("block", "person", "", user=999) == []  # in no program
    assert await h.autocomplete("block", "person", "", user=12345) == []  # unregistered
    # the other kinds still answer from the registry alone
    assert "Europe/Lisbon" in await h.autocomplete("start", "timezone", "lisb")


async def test_link_in_a_channel_then_announcements_are_posted_there_pinging_nobody(
    h: Harness, app: Mentorhub
) -> None:
    bob = await program_with_member(app, channel=None)
    h.usernames[ANN] = "ann"
    token = await h.slash(
        "link", option("program", "prog"), user=ANN, member_permissions=MANAGES_CHANNEL
    )
    await h.reply_with(token, "Linked Test program to this channel.")
    (welcome,) = h.dc.messages_sent(h.channel)
    assert "Test program's announcements will be posted here." in welcome["content"] + str(
        welcome.get("embeds")
    )

    text = "@everyone kick-off on Friday <@&444444444444444444>"
    token = await h.slash("announce", option("program", "prog"), option("message", text))
    await h.reply_with(token, "Posted in its channel too.")
    posts = h.dc.calls_to("POST", rf"^/channels/{h.channel}/messages$")
    assert len(posts) == 2 and all(p.json["allowed_mentions"] == {"parse": []} for p in posts)
    assert posts[-1].json["content"] == (  # escaped, and allowed_mentions pings nobody
        f"**Announcement: Test program**\n@{ZW}everyone kick-off on Friday "
        f"<@{ZW}&444444444444444444>"
    )
    assert (await app.deliver()).sent == 1  # Bob has his own copy by DM
    assert "kick-off on Friday" in str(h.dc.messages_sent(h.dc.dm_channel_id(BOB)))
    assert bob.reachable


async def test_announcements_without_a_channel_are_sent_by_dm_only(
    h: Harness, app: Mentorhub
) -> None:
    await program_with_member(app, channel=None)
    outcome = await app.hub.command(ref(ANN, "Ann"), "announce", "prog Hello")
    assert [r.text for r in outcome.replies] == ["Sent to 1 person in Test program."]
    assert h.dc.messages_sent(h.channel) == []
