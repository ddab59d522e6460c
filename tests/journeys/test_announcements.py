"""A program's shared space: `link` it to a group, `announce` to everyone in the program.

Through the console, whose ``:in lounge`` plays a group (space ``console:lounge``) and
prints what is posted there. The world: cora coordinates "prog"; dana and erik mentor,
mia is a mentee; olga is in no program.
"""

from __future__ import annotations

from typing import cast

from bots.bootstrap import Mentorhub
from core.delivery import Messenger, Sender, SpaceRefused
from core.identity import Platform, PlatformAccount, UserRef
from core.messages import Reply
from tests.console_harness import ConsoleSession, own, posted, told
from tests.journeys.world import build_world

LOUNGE = "console:lounge"


def in_lounge(user: str) -> UserRef:
    return UserRef(Platform("console"), "", user, display_name=user.capitalize(), space="lounge")


async def program_space(app: Mentorhub) -> str:
    async with app.uow() as uow:
        program = await uow.programs.by_slug("prog")
    assert program is not None
    return program.space


async def test_link_in_a_group_then_announce_to_everyone(app: Mentorhub) -> None:
    c = await build_world(app)
    out = await c.say("cora", "link prog")
    assert "Send this in the group that should get Test program's announcements." in out
    assert await program_space(app) == ""

    out = await c.say("cora", ":in lounge", "link prog")
    assert posted(out, LOUNGE) == (
        "== Test program ==\nTest program's announcements will be posted here. "
        "Personal messages never are: those stay in private chats with me."
    )
    assert "Linked Test program to this group." in own(out)
    assert await program_space(app) == LOUNGE

    # Typed as is: apostrophes and quotes are no shell syntax here.
    out = await c.say("cora", ":in", "announce prog Don't miss Friday's \"kick-off\"!")
    announcement = "== Announcement: Test program ==\nDon't miss Friday's \"kick-off\"!"
    assert posted(out, LOUNGE) == announcement  # once, in the group
    for person in ("dana", "erik", "mia"):  # and to every participant, directly
        assert told(out, person) == announcement
    assert told(out, "olga") == "" and told(out, "cora") == ""
    assert "Sent to 3 people in Test program.\nPosted in its group too." in own(out)


async def test_two_announcements_in_the_same_instant_both_reach_everyone(app: Mentorhub) -> None:
    """An announcement's notices are named by the announcement, not by the clock (the
    test clock stands still: both are sent in the same instant)."""
    c = await build_world(app)
    out = await c.say("cora", "announce prog Kick-off on Friday", "announce prog Bring a laptop")
    for person in ("dana", "erik", "mia"):
        assert told(out, person) == (
            "== Announcement: Test program ==\nKick-off on Friday\n---\n"
            "== Announcement: Test program ==\nBring a laptop"
        )


async def test_participants_can_neither_link_nor_announce(app: Mentorhub) -> None:
    c = await build_world(app)
    for user in ("dana", "mia", "olga"):
        out = await c.say(user, ":in lounge", "link prog", "announce prog Free pizza!")
        assert "Only coordinators of Test program can use `link`." in out
        assert "Only coordinators of Test program can use `announce`." in out
        assert posted(out, LOUNGE) == "" and "(to " not in out
    assert await program_space(app) == ""


async def test_only_announcements_are_posted_in_a_linked_group(app: Mentorhub) -> None:
    c = await build_world(app)
    await c.say("cora", ":in lounge", "link prog")
    # Commands said in the group, with notices to others: nothing of it goes there.
    out = await c.say("mia", "note pair=1 Talked about my portfolio", "#1")
    out += await c.say("cora", "coordinator prog erik_lund", "status prog")
    out += await c.say("dana", "pause 1w", "#1", "checkin")
    assert posted(out, LOUNGE) == ""
    assert "Cora Lead invites you to coordinate Test program" in told(out, "erik")
    for user, verb in (("mia", "status"), ("dana", "checkin"), ("cora", "configure")):
        outcome = await app.hub.command(in_lounge(user), verb, "")
        assert outcome.space_posts == []


class DirectOnly:
    """The console as a messenger that can't post in groups or channels."""

    platform = Platform("console")

    def __init__(self, inner: Sender) -> None:
        self.inner = inner

    async def send(self, account: PlatformAccount, reply: Reply) -> None:
        await self.inner.send(account, reply)


async def test_the_actor_hears_when_the_group_post_fails(app: Mentorhub) -> None:
    c = await build_world(app)
    await c.say("cora", ":in lounge", "link prog")
    attempts: list[str] = []

    class GroupGone(DirectOnly):
        async def post_to_space(self, space: str, reply: Reply) -> None:
            attempts.append(space)
            raise ConnectionError("the group is gone")

    app.outlets.add(cast(Messenger, GroupGone(c.console)), replace=True)
    outcome = await app.hub.command(in_lounge("cora"), "announce", "prog Hello")
    assert attempts == [LOUNGE]
    assert outcome.replies == [
        Reply("Sent to 3 people in Test program."),
        Reply("I couldn't post that in the linked group just now.", is_error=True),
    ]
    assert len(outcome.notices) == 3  # the people have theirs in the outbox regardless

    class Removed(DirectOnly):
        async def post_to_space(self, space: str, reply: Reply) -> None:
            raise SpaceRefused("kicked", advice="Add me to that group again.")

    app.outlets.add(cast(Messenger, Removed(c.console)), replace=True)
    outcome = await app.hub.command(in_lounge("cora"), "announce", "prog Hello there")
    assert outcome.replies[-1] == Reply(
        "I couldn't post that in the linked group. Add me to that group again.", is_error=True
    )

    app.outlets.add(cast(Messenger, DirectOnly(c.console)), replace=True)
    outcome = await app.hub.command(in_lounge("cora"), "announce", "prog Hello again")
    assert outcome.replies[-1].text == ("(I can't post in a group on this messenger, so I didn't.)")


async def test_a_program_is_posted_in_only_where_it_is_linked(app: Mentorhub) -> None:
    c = ConsoleSession(app)
    await c.register("cora", "Cora Lead", "Europe/London")
    out = await c.say("cora", "newprogram solo Solo program", "announce solo Hello, nobody")
    assert "Sent to 0 people in Solo program." in out
    assert "(in " not in out  # not linked: no group post at all
