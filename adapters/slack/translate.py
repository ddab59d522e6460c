"""Slack payloads → the core's inbound values (command, message, press). Pure functions.

Each becomes a :class:`Received`: the core value with a first :class:`~core.identity.UserRef`
(the adapter adds the person's profile before handing it on), plus what the reply path
needs (:class:`Origin`, the click's message) and the key that makes a redelivery count once.

The same payloads arrive over HTTP and Socket Mode, so listeners in both modes share this.
Payloads we do not act on (bot messages, edits, channel chatter) translate to None.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from adapters.slack.settings import SLACK
from core.identity import UserRef
from core.inbound import Command, Message, Press

# <@U123>, <@U123|name>, <#C123|general>, <!here>, <!subteam^S1|@team>, <https://x|label>
_ANGLE = re.compile(r"<([@#!][^<>|]*|[a-zA-Z][a-zA-Z0-9+.-]*:[^<>|\s]*)(?:\|([^<>]*))?>")


@dataclass(frozen=True, slots=True)
class Origin:
    """Who acted and where, as far as the reply path needs to know."""

    team: str
    user_id: str
    channel: str = ""  # where it happened; "" when unknown
    response_url: str | None = None
    ephemeral: bool = False  # the click was on an ephemeral message
    user_name: str = ""  # the (legacy) user name the payload carries, a display fallback
    private: bool = True  # a DM or group DM; False in a public or private channel


@dataclass(frozen=True, slots=True)
class Clicked:
    """The message whose button was pressed, to resolve its prompt after the answer."""

    label: str  # the button text, to note the choice under a resolved prompt
    message_blocks: tuple[dict[str, Any], ...] | None  # the clicked message, when Slack sent it
    message_text: str  # its fallback text (already escaped: we wrote it)
    trigger_id: str = ""  # lets us open a modal in answer, within 3 s of the click


@dataclass(frozen=True, slots=True)
class Received:
    inbound: Command | Message | Press
    origin: Origin
    dedupe_key: str = ""
    clicked: Clicked | None = None  # a press


def user_ref(origin: Origin) -> UserRef:
    """Who acted, as far as the payload tells. A public or private channel puts the
    workspace and that channel in ``space``/``channel``; a DM or group DM (a pair space
    among them) is private: no space, so nothing is ever linked there."""
    space, channel = ("", "") if origin.private else (origin.team, origin.channel)
    return UserRef(
        SLACK,
        origin.team,
        origin.user_id,
        display_name=origin.user_name,
        space=space,
        channel=channel,
    )


def plain_text(slack_text: str) -> str:
    """Slack's formatted text → what the person typed.

    ``<@U1|ann>`` → ``@ann``, ``<#C1|general>`` → ``#general``, ``<https://x|x>`` → ``x``
    (a bare ``<https://x>`` → ``https://x``), special mentions → their label or name, and
    ``&amp; &lt; &gt;`` → ``& < >``. The core then sees plain text, never markup.
    """

    def replace(match: re.Match[str]) -> str:
        target, label = match.group(1), match.group(2)
        if label:
            return label if target[0] != "#" and target[0] != "@" else target[0] + label
        if target.startswith("!"):
            return "@" + target[1:].split("^", 1)[0]
        return target

    text = _ANGLE.sub(replace, slack_text)
    # Slack escapes exactly these three; "&amp;" last so "&amp;lt;" stays "&lt;".
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def from_slash_command(payload: Mapping[str, Any]) -> Received | None:
    """``/mentor <verb> <args>``; ``/mentor`` alone means ``help``."""
    team, user = _str(payload.get("team_id")), _str(payload.get("user_id"))
    if not team or not user:
        return None
    text = plain_text(_str(payload.get("text"))).strip()
    verb, _, rest = text.partition(" ")
    origin = Origin(
        team=team,
        user_id=user,
        channel=_str(payload.get("channel_id")),
        response_url=_str(payload.get("response_url")) or None,
        user_name=_str(payload.get("user_name")),
        private=_is_private(_str(payload.get("channel_id")), _str(payload.get("channel_name"))),
    )
    trigger = _str(payload.get("trigger_id"))
    key = f"command:{team}:{user}:{trigger}" if trigger else ""
    return Received(Command(user_ref(origin), verb.lower() or "help", rest.strip()), origin, key)


def from_block_actions(payload: Mapping[str, Any]) -> Received | None:
    """A button press in one of our messages. Only buttons carrying a value are ours."""
    actions = payload.get("actions")
    user = _mapping(payload.get("user"))
    if not isinstance(actions, list) or not actions or not isinstance(actions[0], Mapping):
        return None
    action = actions[0]
    value = _str(action.get("value"))
    team = _str(_mapping(payload.get("team")).get("id")) or _str(user.get("team_id"))
    user_id = _str(user.get("id"))
    if not value or not team or not user_id:
        return None
    container = _mapping(payload.get("container"))
    channel = _str(container.get("channel_id")) or _str(_mapping(payload.get("channel")).get("id"))
    origin = Origin(
        team=team,
        user_id=user_id,
        channel=channel,
        response_url=_str(payload.get("response_url")) or None,
        ephemeral=bool(container.get("is_ephemeral", False)),
        user_name=_str(user.get("name")) or _str(user.get("username")),
        private=_is_private(channel, _str(_mapping(payload.get("channel")).get("name"))),
    )
    message = _mapping(payload.get("message"))
    blocks = message.get("blocks")
    message_blocks = (
        tuple(b for b in blocks if isinstance(b, dict)) if isinstance(blocks, list) else None
    )
    label = _str(_mapping(action.get("text")).get("text"))
    # Interactivity has no event id; Slack gives each press its own action_ts.
    action_ts = _str(action.get("action_ts")) or _str(payload.get("trigger_id"))
    key = f"action:{team}:{user_id}:{action_ts}" if action_ts else ""
    message_text = _str(message.get("text"))
    trigger_id = _str(payload.get("trigger_id"))
    clicked = Clicked(label, message_blocks, message_text, trigger_id)
    return Received(Press(user_ref(origin), value), origin, key, clicked)


def from_message_event(body: Mapping[str, Any]) -> Received | None:
    """A direct message to the app. Edits, bot posts and other channels are ignored."""
    event = _mapping(body.get("event"))
    if event.get("type") != "message" or event.get("channel_type") != "im":
        return None
    if event.get("subtype") or event.get("bot_id") or event.get("app_id"):
        return None
    user = _str(event.get("user"))
    team = _str(body.get("team_id")) or _str(event.get("team"))
    text = plain_text(_str(event.get("text"))).strip()
    if not user or not team or not text:
        return None
    origin = Origin(team=team, user_id=user, channel=_str(event.get("channel")))
    event_id = _str(body.get("event_id"))
    key = f"event:{event_id}" if event_id else ""
    return Received(Message(user_ref(origin), text), origin, key)


def _is_private(channel: str, name: str) -> bool:
    """Slack names DMs "directmessage" and group DMs "mpdm-…" in these payloads."""
    if not channel or channel.startswith("D"):
        return True
    return name in ("", "directmessage") or name.startswith("mpdm-")


def revoked_team(body: Mapping[str, Any]) -> str | None:
    """The team that removed us (``app_uninstalled``, or our bot token in ``tokens_revoked``).

    A revoked user token alone changes nothing for us: we only use the bot token.
    """
    event = _mapping(body.get("event"))
    kind = event.get("type")
    if kind == "tokens_revoked":
        bots = _mapping(event.get("tokens")).get("bot")
        if not isinstance(bots, list) or not bots:
            return None
    elif kind != "app_uninstalled":
        return None
    team = _str(body.get("team_id"))
    if not team:
        authorizations = body.get("authorizations")
        if isinstance(authorizations, list) and authorizations:
            team = _str(_mapping(authorizations[0]).get("team_id"))
    return team or None


def deactivated_user(body: Mapping[str, Any]) -> tuple[str, str] | None:
    """(team, user id) of a member ``user_change`` says was deactivated (``deleted``)."""
    event = _mapping(body.get("event"))
    user = _mapping(event.get("user"))
    if event.get("type") != "user_change" or user.get("deleted") is not True:
        return None
    team, user_id = _str(user.get("team_id")) or _str(body.get("team_id")), _str(user.get("id"))
    return (team, user_id) if team and user_id else None


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}
