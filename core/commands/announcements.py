"""A program's shared space: link (a group or channel the program posts in), announce.

An announcement reaches every active participant as a notice (through the outbox, with
retries) and, when the program has a group or channel, is also posted there. Nothing else
is ever posted in a group: replies go to the person who acted.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.commands.common import PROGRAM_ARG
from core.context import Context
from core.errors import InvalidInput, NotAllowed
from core.messages import Notice, Outcome, Reply, SpacePost
from core.model import Program
from core.registry import MANAGES_HERE, Access, Arg, ArgKind, CommandSpec, ForCoordinators
from core.settings import CoreSettings

ANNOUNCEMENT_MAX = 2000


async def cmd_link(ctx: Context, args: Mapping[str, Any], program: Program) -> Outcome:
    """Only from inside the place itself, by someone the platform says may manage it
    there, and (for a program living in a server or workspace) within that one: nobody
    can make the bot post where they couldn't."""
    ref = ctx.ref
    here = f"{ref.platform.value}:{ref.space}" if ref.space else ""
    space = _posting_place(ctx.settings, here, ref.channel)
    place = ctx.settings.place_name(ref.platform.value)
    if space is None:  # a private chat
        raise InvalidInput(
            f"Send this in the {place} that should get {program.name}'s announcements.",
            hint=f"Add me to the {place}, then send `link {program.slug}` there.",
        )
    if not ref.can_manage_here:
        raise NotAllowed(
            f"Only someone who manages this {place} can link it to {program.name}.",
            hint=f"Ask one of its managers or admins to send `link {program.slug}` here.",
        )
    if _elsewhere(ctx.settings, program, here):
        raise NotAllowed(
            f"{program.name} belongs to another {ctx.settings.space_name(ref.platform.value)}: "
            "it can only be linked to a channel there.",
            hint=f"Send `link {program.slug}` in one of its channels.",
        )
    before = announcement_space(ctx.settings, program)
    program.space, program.channel = here, ref.channel
    await ctx.uow.programs.save(program)
    moved = (
        f" It no longer posts in the {_place_of(ctx.settings, before)} it was linked to before."
        if before and before != space
        else ""
    )
    welcome = Reply(
        f"{program.name}'s announcements will be posted here. "
        "Personal messages never are: those stay in private chats with me.",
        title=program.name,
    )
    return Outcome(
        replies=[Reply(f"Linked {program.name} to this {place}.{moved}", title="Linked")],
        space_posts=[SpacePost(space, welcome)],
    )


async def cmd_announce(ctx: Context, args: Mapping[str, Any], program: Program) -> Outcome:
    assert program.id is not None
    announcement = Reply(args["message"], title=f"Announcement: {program.name}")
    people = {
        enrollment.person_id
        for enrollment in await ctx.uow.enrollments.of_program(program.id)
        if enrollment.active and enrollment.person_id != ctx.my_id()
    }
    program.announcements += 1  # two announcements in the same instant are two events
    await ctx.uow.programs.save(program)
    key = f"announce:{program.id}:{program.announcements}"
    notices = [
        Notice(person_id, announcement, key=key, kind="announcement")
        for person_id in sorted(people)
    ]
    space = announcement_space(ctx.settings, program)
    posts = (
        [SpacePost(space, announcement, f"Posted in its {_place_of(ctx.settings, space)} too.")]
        if space
        else []
    )
    return Outcome(
        replies=[Reply(f"Sent to {_people(len(people))} in {program.name}.")],
        notices=notices,
        space_posts=posts,
    )


def announcement_space(settings: CoreSettings, program: Program) -> str | None:
    """Where a program's announcements are posted (``"<platform>:<id>"``), if anywhere:
    its channel where programs live in a server or workspace (set by `link` in that
    channel), else the group chat it was linked to or created
    in."""
    return _posting_place(settings, program.space, program.channel)


def _place_of(settings: CoreSettings, space: str) -> str:
    """What the place ``space`` ("<platform>:<id>") is called on its messenger."""
    return settings.place_name(space.partition(":")[0])


def _elsewhere(settings: CoreSettings, program: Program, here: str) -> bool:
    """Whether the program lives in another server or workspace than ``here``: a program
    created or linked in one stays there (a group chat has no such bounds)."""
    platform = program.space.partition(":")[0]
    return (
        bool(program.space)
        and platform in settings.spaces_with_channels
        and (program.space != here)
    )


def _posting_place(settings: CoreSettings, space: str, channel: str) -> str | None:
    platform, _, place = space.partition(":")
    if not place:
        return None
    if platform in settings.spaces_with_channels:
        bare = _bare_channel(channel)
        return f"{platform}:{bare}" if bare else None
    return space


def _bare_channel(channel: str) -> str:
    """A channel's id however it was written: chat apps send a channel named in a text
    field as a mention, ``<#id>`` or ``<#id|name>``. Stored channels may be in that form
    (``configure … channel`` once took one), links store the bare id: the same channel
    either way."""
    bare = channel.strip()
    if bare.startswith("<#") and bare.endswith(">"):
        bare = bare[2:-1].partition("|")[0].strip()
    return bare


def _people(count: int) -> str:
    return "1 person" if count == 1 else f"{count} people"


def announcement_commands() -> list[CommandSpec]:
    return [
        CommandSpec(
            "link",
            "Post a program's announcements in this group",
            ForCoordinators(cmd_link),
            args=(PROGRAM_ARG,),
            access=Access.COORDINATOR,
            program_arg="program",
            examples=("link design-2026",),
            group="Coordinators",
            platform_facts=frozenset({MANAGES_HERE}),  # may they manage where it's sent?
        ),
        CommandSpec(
            "announce",
            "Send an announcement to everyone in a program",
            ForCoordinators(cmd_announce),
            args=(
                PROGRAM_ARG,
                Arg(
                    "message",
                    ArgKind.TEXT,
                    "what to announce",
                    rest=True,
                    verbatim=True,
                    max_len=ANNOUNCEMENT_MAX,
                ),
            ),
            access=Access.COORDINATOR,
            program_arg="program",
            examples=("announce design-2026 Kick-off call on Friday at 17:00 CET!",),
            group="Coordinators",
        ),
    ]
