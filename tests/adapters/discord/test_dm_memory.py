"""What the adapter knows about its DMs outlives a restart: the DM channel it opened for
each person (opening one, POST /users/@me/channels, draws on a budget of a few a minute)
and when it last asked someone with closed DMs, in a channel, to open them. Real
discord.py against FakeDiscord; a restart is a new client on the same database."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from adapters.discord.adapter import DmsClosed
from bots.bootstrap import Mentorhub
from core.clock import ManualClock
from core.delivery import TransientFailure
from core.identity import Platform, UserRef
from core.messages import Reply
from tests.adapters.discord.harness import BOB, Harness
from tests.adapters.discord.test_fallback import SECRET, program_with_member, queue, ref, say
from tests.fakes.discord_api import message_create

pytestmark = pytest.mark.timeout(20)

OPEN_DM = r"^/users/@me/channels$"
DISCORD = Platform("discord")


async def known_channel(app: Mentorhub, user: int) -> str | None:
    known = await app.hub.direct_channels.known(DISCORD)
    return next((c.channel_id for c in known if c.user_id == str(user)), None)


async def account_gone(app: Mentorhub, user: int) -> bool:
    async with app.uow() as uow:
        return await uow.accounts.find(DISCORD, "", str(user)) is None


async def test_a_restarted_adapter_sends_to_a_known_dm_without_opening_it_again(
    h: Harness, app: Mentorhub
) -> None:
    bob = await program_with_member(app, channel=None)
    opened = len(h.dc.calls_to("POST", OPEN_DM))  # Ann's, for "Bob joined"
    await queue(app, bob.person_id, "n1", "first")
    assert (await app.deliver()).sent == 1
    assert len(h.dc.calls_to("POST", OPEN_DM)) == opened + 1
    dm = h.dc.dm_channel_id(BOB)

    await h.restart()
    assert not h.messenger.opens_conversation(bob)  # the outbox takes no new-DM token
    await queue(app, bob.person_id, "n2", "second")
    assert (await app.deliver()).sent == 1
    assert len(h.dc.calls_to("POST", OPEN_DM)) == opened + 1  # not opened again
    assert h.dc.messages_sent(dm)[-1]["content"] == "**Check-in**\nsecond"


async def test_a_dm_channel_learnt_from_a_message_is_kept_too(h: Harness, app: Mentorhub) -> None:
    bob = await program_with_member(app, channel=None)
    dm = 888888888888888888
    await h.dc.dispatch(
        "MESSAGE_CREATE", message_create(message_id=71, channel_id=dm, author_id=BOB, content="?")
    )
    await h.dc.wait_for(lambda: h.dc.messages_sent(dm))
    await h.dc.wait_for(
        lambda: h.app.hub.reachable_noted(UserRef(Platform("discord"), "", str(BOB)))
    )  # done with the DM

    await h.restart()
    assert not h.messenger.opens_conversation(bob)


async def test_the_closed_dms_mention_is_not_repeated_after_a_restart(
    h: Harness, app: Mentorhub, clock: ManualClock
) -> None:
    bob = await program_with_member(app, f"<#{h.channel}>")
    h.dc.close_dms(BOB)
    await h.messenger.send(bob, Reply(SECRET))
    assert len(h.dc.messages_sent(h.channel)) == 1

    await h.restart()
    clock.advance(timedelta(hours=1))
    with pytest.raises(DmsClosed):
        await h.messenger.send(bob, Reply(SECRET))
    assert len(h.dc.messages_sent(h.channel)) == 1  # asked once is enough for 12 hours

    clock.advance(timedelta(hours=12))
    await h.messenger.send(bob, Reply(SECRET))
    assert len(h.dc.messages_sent(h.channel)) == 2


async def test_forgetting_a_person_forgets_their_dm_channel(h: Harness, app: Mentorhub) -> None:
    bob = await program_with_member(app, channel=None)
    await h.messenger.send(bob, Reply("first"))
    assert await known_channel(app, BOB) == str(h.dc.dm_channel_id(BOB))

    await say(app, BOB, "Bob", "forget_me", "confirm=yes")
    assert await known_channel(app, BOB) is None
    assert await account_gone(app, BOB)


async def test_a_dm_channel_discord_no_longer_knows_is_opened_anew_after_a_restart(
    h: Harness, app: Mentorhub
) -> None:
    bob = await program_with_member(app, channel=None)
    await h.messenger.send(bob, Reply("first"))
    h.dc.fail_next(
        "POST",
        rf"^/channels/{h.dc.dm_channel_id(BOB)}/messages$",
        status=404,
        body={"message": "Unknown Channel", "code": 10003},
    )
    with pytest.raises(TransientFailure):
        await h.messenger.send(bob, Reply("second"))
    assert await known_channel(app, BOB) == ""

    await h.restart()
    assert h.messenger.opens_conversation(bob)


async def test_my_data_shows_the_stored_dm_channel(h: Harness, app: Mentorhub) -> None:
    bob = await program_with_member(app, channel=None)
    await h.messenger.send(bob, Reply("first"))
    outcome = await app.hub.command(ref(BOB, "Bob"), "my_data")
    exported = next(r.attachment for r in outcome.replies if r.attachment is not None)
    (account,) = json.loads(exported.content)["accounts"]
    assert account["direct_channel"] == str(h.dc.dm_channel_id(BOB))
    assert account["asked_to_open_dms_at"] is None
