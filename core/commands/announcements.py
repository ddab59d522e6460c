"""A program's shared space: link (a group or channel the program posts in), announce.

An announcement reaches every active participant as a notice (through the outbox, with
retries) and, when the program has a group or channel, is also posted there. Nothing else
is ever posted in a group: replies go to the person who acted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from core.commands.common import PROGRAM_ARG
from core.context import Context
from core.errors import InvalidInput, NotAllowed
from core.i18n import ENGLISH, N_, _, n_, supported
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
    # Each sentence is written for a channel and for a group: the noun's grammar differs.
    in_channel = _has_channels(ctx.settings, ref.platform.value)
    name, slug = program.name, program.slug
    if space is None:  # a private chat
        if in_channel:
            raise InvalidInput(
                _(
                    "Send this in the channel that should get {program}'s announcements.",
                    program=name,
                ),
                hint=_("Add me to the channel, then send `link {slug}` there.", slug=slug),
            )
        raise InvalidInput(
            _("Send this in the group that should get {program}'s announcements.", program=name),
            hint=_("Add me to the group, then send `link {slug}` there.", slug=slug),
        )
    if not ref.can_manage_here:
        raise NotAllowed(
            _("Only someone who manages this channel can link it to {program}.", program=name)
            if in_channel
            else _("Only someone who manages this group can link it to {program}.", program=name),
            hint=_("Ask one of its managers or admins to send `link {slug}` here.", slug=slug),
        )
    if _elsewhere(ctx.settings, program, here):
        raise NotAllowed(
            _(
                "{program} belongs to another workspace: it can only be linked to a channel there.",
                program=name,
            )
            if ctx.settings.space_name(ref.platform.value) == "workspace"
            else _(
                "{program} belongs to another server: it can only be linked to a channel there.",
                program=name,
            ),
            hint=_("Send `link {slug}` in one of its channels.", slug=slug),
        )
    before = announcement_space(ctx.settings, program)
    program.space, program.channel = here, ref.channel
    await ctx.uow.programs.save(program)
    welcome = Reply(
        _(
            "{program}'s announcements will be posted here. Personal messages never are: those "
            "stay in private chats with me.",
            program=name,
        ),
        title=name,
    )
    if in_channel:
        linked = _("Linked {program} to this channel.", program=name)
    else:
        linked = _("Linked {program} to this group.", program=name)
    if before and before != space:
        if _has_channels(ctx.settings, before):
            linked += " " + _("It no longer posts in the channel it was linked to before.")
        else:
            linked += " " + _("It no longer posts in the group it was linked to before.")
    return Outcome(
        replies=[Reply(linked, title=_("Linked"))],
        space_posts=[SpacePost(space, in_program_language(welcome, program))],
    )


async def cmd_announce(ctx: Context, args: Mapping[str, Any], program: Program) -> Outcome:
    assert program.id is not None
    announcement = Reply(args["message"], title=_("Announcement: {program}", program=program.name))
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
    posts = []
    if space:
        posted = (
            _("Posted in its channel too.")
            if _has_channels(ctx.settings, space)
            else _("Posted in its group too.")
        )
        posts.append(SpacePost(space, in_program_language(announcement, program), posted))
    return Outcome(
        replies=[
            Reply(
                n_(
                    "Sent to {count} person in {program}.",
                    "Sent to {count} people in {program}.",
                    len(people),
                    program=program.name,
                )
            )
        ],
        notices=notices,
        space_posts=posts,
    )


def announcement_space(settings: CoreSettings, program: Program) -> str | None:
    """Where a program's announcements are posted (``"<platform>:<id>"``), if anywhere:
    its channel where programs live in a server or workspace (set by `link` in that
    channel), else the group chat it was linked to or created
    in."""
    return _posting_place(settings, program.space, program.channel)


def in_program_language(post: Reply, program: Program) -> Reply:
    """A post for a shared space, written out in the program's language: everyone there
    reads the same words, and no single reader's language applies."""
    return replace(post, language=supported(program.language) or ENGLISH).translated()


def _has_channels(settings: CoreSettings, space: str) -> bool:
    """Whether posts in ``space`` ("<platform>:<id>", or a platform) go to a channel (in a
    server or workspace) rather than a group chat."""
    return space.partition(":")[0] in settings.spaces_with_channels


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
    platform, _colon, place = space.partition(":")
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


def announcement_commands() -> list[CommandSpec]:
    return [
        CommandSpec(
            "link",
            N_("Post a program's announcements in this group"),
            ForCoordinators(cmd_link),
            args=(PROGRAM_ARG,),
            access=Access.COORDINATOR,
            program_arg="program",
            examples=("link design-2026",),
            group=N_("Coordinators"),
            platform_facts=frozenset({MANAGES_HERE}),  # may they manage where it's sent?
        ),
        CommandSpec(
            "announce",
            N_("Send an announcement to everyone in a program"),
            ForCoordinators(cmd_announce),
            args=(
                PROGRAM_ARG,
                Arg(
                    "message",
                    ArgKind.TEXT,
                    N_("what to announce"),
                    rest=True,
                    verbatim=True,
                    max_len=ANNOUNCEMENT_MAX,
                ),
            ),
            access=Access.COORDINATOR,
            program_arg="program",
            examples=("announce design-2026 Kick-off call on Friday at 17:00 CET!",),
            group=N_("Coordinators"),
        ),
    ]
