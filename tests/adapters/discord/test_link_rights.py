"""Nobody can make the bot post where they couldn't: a program's channel is linked from
inside it, by a member Discord says may manage it (the interaction's member.permissions),
within the server the program lives in; `configure … channel <id>` is refused; and who may
create programs is configurable. Real discord.py against FakeDiscord, the real hub."""

from __future__ import annotations

import dataclasses

import pytest

from bots.bootstrap import Mentorhub
from core.identity import Platform, UserRef
from tests.adapters.discord.harness import ANN, GUILD, MANAGES_CHANNEL, MEMBER, Harness
from tests.fakes.discord_api import option

pytestmark = pytest.mark.timeout(15)

ADMINISTRATOR = str(MEMBER | 1 << 3)
REFUSED = "Only someone who manages this channel can link it to Test program."
OTHER_GUILD = 444444444444444444


def ref(user: int, *, guild: int | None = GUILD) -> UserRef:
    return UserRef(Platform("discord"), "", str(user), display_name="Ann", space=str(guild or ""))


async def program_in(app: Mentorhub, guild: int) -> None:
    """Ann (registered) created 'prog' in ``guild``."""
    await app.hub.command(ref(ANN), "start", "name=Ann timezone=UTC languages=en")
    created = await app.hub.command(ref(ANN, guild=guild), "newprogram", "prog Test program")
    assert created.replies[0].title == "Program created"


async def where_linked(app: Mentorhub) -> tuple[str, str]:
    async with app.uow() as uow:
        program = await uow.programs.by_slug("prog")
    assert program is not None
    return program.space, program.channel


async def test_a_coordinator_who_cant_manage_the_channel_cant_link_it(
    h: Harness, app: Mentorhub
) -> None:
    await program_in(app, GUILD)
    token = await h.slash("link", option("program", "prog"), user=ANN)  # an ordinary member
    await h.reply_with(token, REFUSED)
    assert h.dc.messages_sent(h.channel) == []
    assert await where_linked(app) == (f"discord:{GUILD}", "")

    token = await h.slash(
        "link", option("program", "prog"), user=ANN, member_permissions=ADMINISTRATOR
    )
    await h.reply_with(token, "Linked Test program")
    (welcome,) = h.dc.messages_sent(h.channel)
    assert "announcements will be posted here" in welcome["content"]
    assert await where_linked(app) == (f"discord:{GUILD}", str(h.channel))


async def test_a_program_of_another_server_cant_be_linked_here(h: Harness, app: Mentorhub) -> None:
    await program_in(app, OTHER_GUILD)
    token = await h.slash(
        "link", option("program", "prog"), user=ANN, member_permissions=MANAGES_CHANNEL
    )
    await h.reply_with(token, "Test program belongs to another server")
    assert h.dc.messages_sent(h.channel) == []
    assert await where_linked(app) == (f"discord:{OTHER_GUILD}", "")


@pytest.mark.parametrize("value", ["123456789012345678", "<#123456789012345678>"])
async def test_a_channel_cant_be_set_by_its_id(h: Harness, app: Mentorhub, value: str) -> None:
    await program_in(app, GUILD)
    token = await h.slash(
        "configure", option("program", "prog"), option("field", "channel"),
        option("value", value), user=ANN, member_permissions=ADMINISTRATOR,
    )  # fmt: skip
    refusal = await h.reply_with(token, "can't be set by its id")
    assert "link prog" in refusal["content"]  # how to do it instead
    assert await where_linked(app) == (f"discord:{GUILD}", "")


async def test_only_admins_create_programs_when_so_configured(h: Harness, app: Mentorhub) -> None:
    app.hub.settings = dataclasses.replace(app.hub.settings, program_creators="admins")
    await app.hub.command(ref(ANN), "start", "name=Ann timezone=UTC languages=en")
    token = await h.slash("newprogram", option("slug", "prog"), option("name", "P"), user=ANN)
    await h.reply_with(token, "Only administrators can create programs here.")
    token = await h.slash(
        "newprogram", option("slug", "prog"), option("name", "Test program"), user=ANN,
        member_permissions=MANAGES_CHANNEL,  # manages a channel, doesn't administer
    )  # fmt: skip
    await h.reply_with(token, "Only administrators can create programs here.")
    token = await h.slash(
        "newprogram", option("slug", "prog"), option("name", "Test program"), user=ANN,
        member_permissions=ADMINISTRATOR,
    )  # fmt: skip
    await h.reply_with(token, "you're its coordinator")
    assert await where_linked(app) == (f"discord:{GUILD}", "")


async def test_listed_accounts_create_programs_when_so_configured(
    h: Harness, app: Mentorhub
) -> None:
    app.hub.settings = dataclasses.replace(app.hub.settings, program_creators=(f"discord:{ANN}",))
    for user in (ANN, 999):
        await app.hub.command(ref(user), "start", "name=Ann timezone=UTC languages=en")
    token = await h.slash(
        "newprogram", option("slug", "other"), option("name", "Other"), user=999,
        member_permissions=ADMINISTRATOR,  # an admin, but not listed
    )  # fmt: skip
    await h.reply_with(token, "Only the people this mentorhub names can create programs.")
    token = await h.slash("newprogram", option("slug", "prog"), option("name", "P"), user=ANN)
    await h.reply_with(token, "you're its coordinator")


async def test_linking_the_channel_configured_as_a_mention_is_no_move(
    h: Harness, app: Mentorhub
) -> None:
    """Before `configure … channel` was refused, a channel typed there was stored as
    Discord sends it, ``<#id>``; linking that same channel (``ref.channel`` is the bare
    id) is no move to another one."""
    await program_in(app, GUILD)
    async with app.uow() as uow:
        program = await uow.programs.by_slug("prog")
        assert program is not None
        program.channel = f"<#{h.channel}>"
        await uow.programs.save(program)
        await uow.commit()
    token = await h.slash(
        "link", option("program", "prog"), user=ANN, member_permissions=MANAGES_CHANNEL
    )
    linked = await h.reply_with(token, "Linked Test program")
    assert "no longer posts" not in linked["content"]
    assert await where_linked(app) == (f"discord:{GUILD}", str(h.channel))
