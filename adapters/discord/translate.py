"""Discord interactions -> the one core call each stands for. Pure: wire JSON in, values out.

An interaction is reduced to :class:`InteractionFacts` (ids, who, where, the raw ``data``
object) and then to one core inbound value (:mod:`core.inbound`), or to one of the few
things the adapter answers itself (:data:`Local`). Slash-command options are turned back into
the argument text core's parser reads (``name=value``, shell-quoted), so every command the
registry declares works without Discord-specific code.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from adapters.discord.render import ANSWER_BUTTON_ID, ANSWER_INPUT_ID, ANSWER_MODAL_ID
from adapters.discord.settings import DISCORD
from core.identity import UserRef
from core.inbound import Command, Message, Press

APPLICATION_COMMAND = 2
MESSAGE_COMPONENT = 3
AUTOCOMPLETE = 4
MODAL_SUBMIT = 5

# Permission bits (https://discord.com/developers/docs/topics/permissions). An
# interaction's ``member.permissions`` are the member's permissions in the channel it was
# sent from, overwrites included.
ADMINISTRATOR = 1 << 3
MANAGE_CHANNELS = 1 << 4
MANAGE_GUILD = 1 << 5

SUB_COMMAND = 1
SUB_COMMAND_GROUP = 2
BUTTON = 2
TEXT_INPUT = 4

# core.registry.split_words turns these into ASCII quotes before parsing; we do it first
# so quoting stays balanced (the only change a value can undergo on its way to core).
_SMART_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'"})


@dataclass(frozen=True, slots=True)
class InteractionFacts:
    """What we use of an INTERACTION_CREATE."""

    id: int
    type: int
    data: Mapping[str, Any]
    user_id: int
    username: str
    global_name: str | None = None
    locale: str | None = None
    guild_id: int | None = None
    channel_id: int | None = None
    permissions: int = 0  # the member's, in that channel (0 in a DM)

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> InteractionFacts:
        """From the raw gateway ``d`` object (user in DMs, member.user in guilds)."""
        member = payload.get("member")
        user = member.get("user") if isinstance(member, Mapping) else payload.get("user")
        if not isinstance(user, Mapping):
            raise ValueError("interaction without a user")
        data = payload.get("data")
        return cls(
            id=int(payload["id"]),
            type=int(payload["type"]),
            data=data if isinstance(data, Mapping) else {},
            user_id=int(user["id"]),
            username=str(user.get("username", "")),
            global_name=user.get("global_name"),
            locale=payload.get("locale"),
            guild_id=_opt_int(payload.get("guild_id")),
            channel_id=_opt_int(payload.get("channel_id")),
            permissions=_permissions(member),
        )

    @property
    def in_guild(self) -> bool:
        return self.guild_id is not None


@dataclass(frozen=True, slots=True)
class OpenAnswer:
    """The "Type your answer" button: answer with a modal, core is not involved."""


@dataclass(frozen=True, slots=True)
class Suggest:
    """Autocomplete: the option being typed and what has been typed so far."""

    verb: str
    option: str
    typed: str


@dataclass(frozen=True, slots=True)
class Ignore:
    reason: str


Local = OpenAnswer | Suggest | Ignore
"""What the adapter answers without the core's Hub.handle."""

Translated = Command | Press | Message | Local


def translate(facts: InteractionFacts) -> Translated:
    """A slash command, a button or the "Type your answer" modal becomes the core's
    Command, Press or Message (the typed answer)."""
    if facts.type == APPLICATION_COMMAND:
        verb, options = command_path(facts.data)
        return Command(user_ref(facts), verb, options_text(options))
    if facts.type == AUTOCOMPLETE:
        verb, options = command_path(facts.data)
        focused = next((o for o in options if o.get("focused")), None)
        if focused is None:
            return Ignore("autocomplete without a focused option")
        return Suggest(verb, str(focused.get("name", "")), str(focused.get("value", "")))
    if facts.type == MESSAGE_COMPONENT:
        custom_id = str(facts.data.get("custom_id", ""))
        if facts.data.get("component_type", BUTTON) != BUTTON:
            return Ignore(f"component type {facts.data.get('component_type')}")
        if custom_id == ANSWER_BUTTON_ID:
            return OpenAnswer()
        return Press(user_ref(facts), custom_id)
    if facts.type == MODAL_SUBMIT:
        if facts.data.get("custom_id") != ANSWER_MODAL_ID:
            return Ignore(f"modal {str(facts.data.get('custom_id'))[:40]!r}")
        for component in _walk_components(facts.data.get("components")):
            if component.get("custom_id") == ANSWER_INPUT_ID:
                return Message(user_ref(facts), str(component.get("value") or ""))
        return Ignore("answer modal without its input")
    return Ignore(f"interaction type {facts.type}")


def command_path(data: Mapping[str, Any]) -> tuple[str, list[Mapping[str, Any]]]:
    """The verb (the innermost subcommand) and its options.

    ``/mentor start name:Ann`` arrives as ``mentor`` > subcommand ``start`` > options.
    A command without subcommands is taken as the verb itself.
    """
    verb = str(data.get("name", ""))
    options = _mappings(data.get("options"))
    while options and options[0].get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP):
        verb = str(options[0].get("name", ""))
        options = _mappings(options[0].get("options"))
    return verb, options


def options_text(options: Sequence[Mapping[str, Any]]) -> str:
    """``name=value`` per option, quoted so core's ``split_words`` gives the value back."""
    parts = []
    for option in options:
        value = option.get("value")
        if value is None or option.get("focused"):
            continue
        parts.append(f"{option.get('name')}={quote(value)}")
    return " ".join(parts)


def quote(value: object) -> str:
    text = str(value).lower() if isinstance(value, bool) else str(value)
    return shlex.quote(text.translate(_SMART_QUOTES))


def user_ref(facts: InteractionFacts) -> UserRef:
    return discord_user_ref(
        facts.user_id,
        facts.username,
        facts.global_name,
        locale=facts.locale,
        guild_id=facts.guild_id,
        channel_id=facts.channel_id,
        permissions=facts.permissions,
    )


def discord_user_ref(
    user_id: int,
    username: str,
    global_name: str | None,
    *,
    locale: str | None = None,
    guild_id: int | None = None,
    channel_id: int | None = None,
    permissions: int = 0,
) -> UserRef:
    """Discord user ids are global, so ``workspace`` is empty; ``space`` is the guild and
    ``channel`` the guild channel (both empty in a DM). ``permissions`` (the member's in
    that channel) say whether they may manage it (Manage Channels) and administer the
    server (Administrator, or Manage Server)."""
    in_guild = guild_id is not None
    admin = bool(permissions & ADMINISTRATOR)
    return UserRef(
        platform=DISCORD,
        workspace="",
        user_id=str(user_id),
        display_name=global_name or username,
        locale=locale or None,
        space=str(guild_id) if guild_id is not None else "",
        channel=str(channel_id) if guild_id is not None and channel_id is not None else "",
        can_manage_here=in_guild and (admin or bool(permissions & MANAGE_CHANNELS)),
        is_admin=in_guild and (admin or bool(permissions & MANAGE_GUILD)),
    )


def _mappings(value: object) -> list[Mapping[str, Any]]:
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, Mapping)]


def _walk_components(value: object) -> Iterator[Mapping[str, Any]]:
    """Text inputs sit in action rows (type 1) or, in newer modals, labels (type 18)."""
    for component in _mappings(value):
        yield component
        yield from _walk_components(component.get("components"))
        inner = component.get("component")
        if isinstance(inner, Mapping):
            yield from _walk_components([inner])


def _permissions(member: object) -> int:
    """A member's permission bitfield (a decimal string on the wire); 0 if absent or bad."""
    raw = member.get("permissions") if isinstance(member, Mapping) else None
    try:
        return int(str(raw)) if raw is not None else 0
    except ValueError:
        return 0


def _opt_int(value: object) -> int | None:
    return None if value is None else int(str(value))
