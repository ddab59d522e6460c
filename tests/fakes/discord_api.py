"""A local Discord stand-in (REST v10 + gateway) that the real discord.py talks to.

Usage::

    async with FakeDiscord(guilds=[GUILD_ID]) as dc:
        dc.patch_discord(monkeypatch)          # or: with dc.patched_discord(): ...
        client = discord.Client(intents=..., guild_ready_timeout=0.1)
        await client.login(dc.token)
        task = asyncio.create_task(client.connect())
        await dc.wait_ready()
        ...
        await client.close()

Everything listens on 127.0.0.1 only (port 0, i.e. an ephemeral port).

Wire-format notes (discord.py 2.7.1):
- JSON is only parsed by discord.py when Content-Type is *exactly* ``application/json``.
- A 429 without a ``Via`` header is taken for a Cloudflare ban and raised, not retried.
- discord.py reads ``X-RateLimit-Remaining``/``Reset-After`` and pre-emptively sleeps when a
  bucket reports 0 remaining, so the headers here are computed honestly from rolling windows.
- Interaction callbacks and webhook (follow-up) requests carry no Authorization header.
- The gateway is asked for ``compress=zlib-stream``; plain TEXT frames are accepted anyway.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import itertools
import json
import math
import re
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Protocol

import yarl
from aiohttp import BodyPartReader, WSMsgType, web

__all__ = [
    "DEFAULT_APPLICATION_ID",
    "DEFAULT_BOT_USER_ID",
    "DEFAULT_OWNER_ID",
    "DEFAULT_TOKEN",
    "Call",
    "FakeDiscord",
    "GatewayFrame",
    "InteractionResponse",
    "component_interaction",
    "dm_channel_object",
    "guild_object",
    "keep_discord_endpoints",
    "member_object",
    "message_create",
    "message_object",
    "modal_submit_interaction",
    "option",
    "slash_command_interaction",
    "snowflake_at",
    "subcommand",
    "text_channel_object",
    "user_object",
]

API_PREFIX = "/api/v10"
DEFAULT_APPLICATION_ID = 900000000000000001
DEFAULT_BOT_USER_ID = 900000000000000002
DEFAULT_OWNER_ID = 900000000000000003
DEFAULT_TOKEN = "fake-discord-bot-token"
DEFAULT_COMMAND_ID = 800000000000000000
DISCORD_EPOCH_MS = 1420070400000
ATTACHMENT_SIZE_LIMIT = 10485760
HEARTBEAT_INTERVAL_MS = 41250
NONCE_WINDOW = 300.0  # seconds; Discord documents "the past few minutes"

# privileged intents: GUILD_MEMBERS, GUILD_PRESENCES, MESSAGE_CONTENT
GUILD_MEMBERS = 1 << 1
PRIVILEGED_INTENTS = GUILD_MEMBERS | (1 << 8) | (1 << 15)
# every documented intent (bits 0-16, 20, 21, 24, 25); any other bit is closed with 4013
KNOWN_INTENTS = (1 << 17) - 1 | (1 << 20) | (1 << 21) | (1 << 24) | (1 << 25)
# the gateway close codes after which a client must not reconnect, with Discord's reasons
FATAL_CLOSE_REASONS = {
    4004: "Authentication failed.",
    4010: "Invalid shard.",
    4011: "Sharding required.",
    4012: "Invalid API version.",
    4013: "Invalid intent(s).",
    4014: "Disallowed intent(s).",
}

_JSON = "application/json"
_BODY: web.RequestKey[Any] = web.RequestKey("fake_discord_body", object)
_FILES: web.RequestKey[Sequence[str]] = web.RequestKey("fake_discord_files", list)
_UPLOADS: web.RequestKey[Sequence[Upload]] = web.RequestKey("fake_discord_uploads", list)
_FILE_PART = re.compile(r"files\[(\d+)\]")
_COMMAND_NAME_RE = re.compile(r"^[-_\w]{1,32}$")
# https://discord.com/developers/docs/reference#locales
DISCORD_LOCALES = frozenset(
    {
        "id", "da", "de", "en-GB", "en-US", "es-ES", "es-419", "fr", "hr", "it", "lt", "hu",
        "nl", "no", "pl", "pt-BR", "ro", "fi", "sv-SE", "vi", "tr", "cs", "el", "bg",
        "ru", "uk", "hi", "th", "zh-CN", "ja", "zh-TW", "ko",
    }
)  # fmt: skip


# --------------------------------------------------------------------------------------
# small helpers
# --------------------------------------------------------------------------------------


def _now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


def snowflake_at(unix_ms: int, increment: int = 0) -> int:
    """A Discord snowflake for a point in time (worker/process bits left 0)."""
    return ((unix_ms - DISCORD_EPOCH_MS) << 22) | (increment & 0xFFF)


class _SnowflakeGen:
    def __init__(self) -> None:
        self._last = 0

    def __call__(self) -> int:
        value = max(snowflake_at(int(time.time() * 1000)), self._last + 1)
        self._last = value
        return value


def _json_response(
    data: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> web.Response:
    # NOT web.json_response: that sets "application/json; charset=utf-8" and discord.py then
    # treats the body as text (login crashes).
    return web.Response(
        body=json.dumps(data).encode(),
        status=status,
        content_type=_JSON,
        headers=dict(headers or {}),
    )


def _error(status: int, message: str, code: int = 0, **extra: Any) -> web.Response:
    return _json_response({"message": message, "code": code, **extra}, status=status)


# What a modal (interaction callback type 9) may hold, as Discord documents it: a title of
# at most 45 characters and 1 to 5 components, each a Text Display (type 10, content up
# to 4000), a Label (type 18: label up to 45, description up to 100, wrapping one text
# input or select) or, deprecated, an Action Row holding one text input.
_MODAL_INPUTS = {3, 4, 5, 6, 7, 8}


def _modal_problem(data: Mapping[str, Any]) -> dict[str, str] | None:
    title, components = data.get("title"), data.get("components")
    if not isinstance(title, str) or not 1 <= len(title) <= 45:
        return {"title": "Must be between 1 and 45 in length."}
    if not data.get("custom_id"):
        return {"custom_id": "required"}
    if not isinstance(components, list) or not 1 <= len(components) <= 5:
        return {"components": "Must be between 1 and 5 in length."}
    for index, component in enumerate(components):
        kind = component.get("type") if isinstance(component, Mapping) else None
        where = f"components.{index}"
        if kind == 10:
            content = component.get("content")
            if not isinstance(content, str) or not 1 <= len(content) <= 4000:
                return {f"{where}.content": "Must be between 1 and 4000 in length."}
        elif kind == 18:
            label, inner = component.get("label"), component.get("component")
            if not isinstance(label, str) or not 1 <= len(label) <= 45:
                return {f"{where}.label": "Must be between 1 and 45 in length."}
            if len(str(component.get("description") or "")) > 100:
                return {f"{where}.description": "Must be 100 or fewer in length."}
            if not isinstance(inner, Mapping) or inner.get("type") not in _MODAL_INPUTS:
                return {f"{where}.component": "Invalid component type for a label."}
        elif kind == 1:
            inner_list = component.get("components")
            if not isinstance(inner_list, list) or len(inner_list) != 1:
                return {f"{where}.components": "Must be 1 in length."}
        else:
            return {f"{where}.type": "Invalid component type in a modal."}
    return None


def _described(body: Any) -> dict[int, Mapping[str, Any]]:
    """The ``attachments`` metadata of a message body, by the ``files[n]`` index it names."""
    found: dict[int, Mapping[str, Any]] = {}
    entries = body.get("attachments") if isinstance(body, Mapping) else None
    for entry in entries or []:
        if isinstance(entry, Mapping) and str(entry.get("id", "")).isdigit():
            found[int(entry["id"])] = entry
    return found


def _check_uploads(body: Any, uploads: Sequence[Upload]) -> web.Response | None:
    """Discord's rules for files: parts named ``files[n]``, each within the size limit; the
    ``attachments`` metadata (when sent) describes uploaded parts by their ``n``."""
    if not uploads:
        return None
    indexes = set()
    for upload in uploads:
        found = _FILE_PART.fullmatch(upload.part)
        if found is None:
            return _error(400, "Invalid Form Body", 50035, errors={upload.part: "unknown field"})
        indexes.add(int(found[1]))
        if len(upload.data) > ATTACHMENT_SIZE_LIMIT:
            return _error(413, "Request entity too large", 40005)
    described = _described(body)
    if described and not indexes <= set(described):
        return _error(400, "Invalid Form Body", 50035, errors={"attachments": "mismatch"})
    return None


def _bucket_hash(route_key: str) -> str:
    """A stable opaque bucket id per route, as ``X-RateLimit-Bucket`` gives one."""
    return hashlib.sha1(route_key.encode()).hexdigest()[:16]


# Discord's embed limits (Channel Resources, "Embed Limits"): per field, and in all the
# embeds of one message together at most EMBED_TOTAL_LIMIT characters of text.
MAX_EMBEDS = 10
EMBED_TOTAL_LIMIT = 6000
_EMBED_TEXT_LIMITS = {"title": 256, "description": 4096}
_FIELD_LIMITS = {"name": 256, "value": 1024}
MAX_EMBED_FIELDS = 25


def _too_long(limit: int) -> dict[str, Any]:
    return {
        "_errors": [
            {
                "code": "BASE_TYPE_MAX_LENGTH",
                "message": f"Must be {limit} or fewer in length.",
            }
        ],
    }


def _embed_texts(embed: Mapping[str, Any]) -> list[str]:
    """The texts counted towards the 6,000: title, description, field names and values,
    footer text, author name."""
    texts = [str(embed.get("title") or ""), str(embed.get("description") or "")]
    for entry in embed.get("fields") or []:
        if isinstance(entry, Mapping):
            texts += [str(entry.get("name") or ""), str(entry.get("value") or "")]
    for key, part in (("footer", "text"), ("author", "name")):
        if isinstance(embed.get(key), Mapping):
            texts.append(str(embed[key].get(part) or ""))
    return texts


def _check_embeds(embeds: Any) -> web.Response | None:
    """A message's embeds within Discord's limits, else its 400 with the error body Discord
    sends (50035, the offending path under ``errors``)."""
    if not embeds:
        return None
    if not isinstance(embeds, list):
        return _error(400, "Invalid Form Body", 50035, errors={"embeds": "expected array"})
    if len(embeds) > MAX_EMBEDS:
        return _error(400, "Invalid Form Body", 50035, errors={"embeds": _too_long(MAX_EMBEDS)})
    for index, embed in enumerate(embeds):
        if not isinstance(embed, Mapping):
            continue
        for key, limit in _EMBED_TEXT_LIMITS.items():
            if len(str(embed.get(key) or "")) > limit:
                errors = {"embeds": {str(index): {key: _too_long(limit)}}}
                return _error(400, "Invalid Form Body", 50035, errors=errors)
        fields = embed.get("fields") or []
        if len(fields) > MAX_EMBED_FIELDS:
            errors = {"embeds": {str(index): {"fields": _too_long(MAX_EMBED_FIELDS)}}}
            return _error(400, "Invalid Form Body", 50035, errors=errors)
        for number, entry in enumerate(fields):
            for key, limit in _FIELD_LIMITS.items():
                if isinstance(entry, Mapping) and len(str(entry.get(key) or "")) > limit:
                    errors = {
                        "embeds": {str(index): {"fields": {str(number): {key: _too_long(limit)}}}}
                    }
                    return _error(400, "Invalid Form Body", 50035, errors=errors)
    total = sum(
        len(text) for embed in embeds if isinstance(embed, Mapping) for text in _embed_texts(embed)
    )
    if total > EMBED_TOTAL_LIMIT:
        too_big: dict[str, Any] = {
            "embeds": {
                "_errors": [
                    {
                        "code": "MAX_EMBED_SIZE_EXCEEDED",
                        "message": f"Embed size exceeds maximum size of {EMBED_TOTAL_LIMIT}",
                    }
                ]
            }
        }
        return _error(400, "Invalid Form Body", 50035, errors=too_big)
    return None


def _opt_str(value: int | str | None) -> str | None:
    return None if value is None else str(value)


# --------------------------------------------------------------------------------------
# records
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Upload:
    """One file part of a multipart request: its part name (``files[n]``), file name and
    bytes."""

    part: str
    filename: str
    data: bytes


@dataclass(frozen=True)
class Call:
    """One HTTP request received by the fake.

    ``path`` is relative to the API base (``/channels/1/messages``), ``json`` is the parsed
    JSON body (or the ``payload_json`` part of a multipart body), ``status`` what was answered.
    """

    method: str
    path: str
    json: Any
    headers: Mapping[str, str]
    query: Mapping[str, str] = field(default_factory=dict)
    status: int = 0
    files: tuple[str, ...] = ()
    at: float = 0.0
    uploads: tuple[Upload, ...] = ()


@dataclass(frozen=True)
class InteractionResponse:
    """One POST /interactions/{id}/{token}/callback (the initial response)."""

    interaction_id: str
    token: str
    type: int
    data: Mapping[str, Any] | None
    status: int


@dataclass(frozen=True)
class GatewayFrame:
    """A frame received from a client over the gateway (``direction`` is always "in")."""

    session_id: str | None
    op: int
    d: Any
    direction: str = "in"


@dataclass
class _Failure:
    method: str
    path_re: re.Pattern[str]
    status: int
    body: Any
    retry_after: float | None
    scope: str  # X-RateLimit-Scope of a scripted 429: "user", "shared" or "global"
    times: int


@dataclass
class _Session:
    session_id: str
    intents: int
    shard: list[int] | None
    ws: web.WebSocketResponse | None = None
    seq: int = 0
    history: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    alive: bool = True
    ready: bool = False


@dataclass
class _InteractionState:
    interaction_id: str
    token: str
    type: int
    channel_id: str | None
    guild_id: str | None
    message_id: str | None
    dispatched_at: float
    responded: bool = False
    response_type: int | None = None
    original_id: str | None = None
    loading: bool = False


class _Window:
    """Rolling-window request counter."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self.stamps: deque[float] = deque()

    def _prune(self, now: float) -> None:
        while self.stamps and now - self.stamps[0] >= self.window:
            self.stamps.popleft()

    def retry_after(self, now: float) -> float:
        """0 if a request may pass now, else seconds until it may."""
        self._prune(now)
        if len(self.stamps) < self.limit:
            return 0.0
        return max(self.stamps[0] + self.window - now, 0.001)

    def hit(self, now: float) -> None:
        self._prune(now)
        self.stamps.append(now)

    def remaining(self, now: float) -> int:
        self._prune(now)
        return max(self.limit - len(self.stamps), 0)

    def reset_after(self, now: float) -> float:
        self._prune(now)
        if not self.stamps:
            return self.window
        return max(self.stamps[0] + self.window - now, 0.001)


class _Monkeypatch(Protocol):
    def setattr(self, target: Any, name: str, value: Any, raising: bool = ...) -> None: ...


def keep_discord_endpoints(monkeypatch: _Monkeypatch) -> None:
    """Put discord.py's process-wide endpoints (``Route.BASE``, ``DEFAULT_GATEWAY``) back
    after the test, whoever changes them meanwhile (the adapter applies its settings)."""
    import discord.gateway
    import discord.http

    monkeypatch.setattr(discord.http.Route, "BASE", discord.http.Route.BASE)
    gateway = discord.gateway.DiscordWebSocket
    monkeypatch.setattr(gateway, "DEFAULT_GATEWAY", gateway.DEFAULT_GATEWAY)


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# --------------------------------------------------------------------------------------
# wire-format builders (pure functions)
# --------------------------------------------------------------------------------------


def user_object(
    user_id: int | str,
    username: str | None = None,
    *,
    bot: bool = False,
    global_name: str | None = None,
) -> dict[str, Any]:
    """A Discord user object (new username system: discriminator "0")."""
    name = username or f"user{user_id}"
    data: dict[str, Any] = {
        "id": str(user_id),
        "username": name,
        "discriminator": "0",
        "global_name": global_name if global_name is not None else (None if bot else name),
        "avatar": None,
        "public_flags": 0,
        "flags": 0,
        "banner": None,
        "accent_color": None,
        "avatar_decoration_data": None,
    }
    if bot:
        data["bot"] = True
    return data


def member_object(
    user: Mapping[str, Any],
    *,
    roles: Sequence[int | str] = (),
    permissions: str | None = None,
    nick: str | None = None,
    joined_at: str = "2024-01-01T00:00:00.000000+00:00",
) -> dict[str, Any]:
    """A guild member object with nested user (``permissions`` only for interactions)."""
    data: dict[str, Any] = {
        "user": dict(user),
        "nick": nick,
        "avatar": None,
        "banner": None,
        "roles": [str(r) for r in roles],
        "joined_at": joined_at,
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "communication_disabled_until": None,
    }
    if permissions is not None:
        data["permissions"] = permissions
    return data


def text_channel_object(
    channel_id: int | str,
    guild_id: int | str,
    *,
    name: str = "general",
    position: int = 0,
    permissions: str | None = None,
) -> dict[str, Any]:
    """A GUILD_TEXT channel object (``permissions`` is only present in interactions)."""
    data: dict[str, Any] = {
        "id": str(channel_id),
        "type": 0,
        "guild_id": str(guild_id),
        "name": name,
        "position": position,
        "permission_overwrites": [],
        "nsfw": False,
        "parent_id": None,
        "topic": None,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "flags": 0,
    }
    if permissions is not None:
        data["permissions"] = permissions
    return data


def dm_channel_object(channel_id: int | str, recipient: Mapping[str, Any]) -> dict[str, Any]:
    """A DM channel object (type 1)."""
    return {
        "id": str(channel_id),
        "type": 1,
        "last_message_id": None,
        "flags": 0,
        "recipients": [dict(recipient)],
    }


def guild_object(
    guild_id: int | str,
    *,
    name: str = "Mentor Guild",
    channel_id: int | str | None = None,
    bot_user: Mapping[str, Any] | None = None,
    owner_id: int | str = DEFAULT_OWNER_ID,
    members: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """A GUILD_CREATE payload: @everyone role, one text channel (default id guild_id + 1),
    the bot's member and ``members`` (user objects)."""
    gid = int(guild_id)
    cid = int(channel_id) if channel_id is not None else gid + 1
    bot = (
        dict(bot_user)
        if bot_user is not None
        else user_object(DEFAULT_BOT_USER_ID, "mentorbot", bot=True)
    )
    member_list = [member_object(bot)] + [member_object(u) for u in members]
    return {
        "id": str(gid),
        "name": name,
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "owner_id": str(owner_id),
        "afk_channel_id": None,
        "afk_timeout": 300,
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "features": [],
        "mfa_level": 0,
        "application_id": None,
        "system_channel_id": str(cid),
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "vanity_url_code": None,
        "description": None,
        "banner": None,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "preferred_locale": "en-US",
        "public_updates_channel_id": None,
        "nsfw_level": 0,
        "premium_progress_bar_enabled": False,
        "roles": [
            {
                "id": str(gid),
                "name": "@everyone",
                "color": 0,
                "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
                "hoist": False,
                "icon": None,
                "unicode_emoji": None,
                "position": 0,
                "permissions": "2248473465835073",
                "managed": False,
                "mentionable": False,
                "flags": 0,
            }
        ],
        "emojis": [],
        "stickers": [],
        "joined_at": "2024-01-01T00:00:00.000000+00:00",
        "large": False,
        "unavailable": False,
        "member_count": len(member_list),
        "voice_states": [],
        "members": member_list,
        "channels": [text_channel_object(cid, gid)],
        "threads": [],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
    }


def message_object(
    *,
    message_id: int | str,
    channel_id: int | str,
    author: Mapping[str, Any],
    content: str = "",
    guild_id: int | str | None = None,
    member: Mapping[str, Any] | None = None,
    embeds: Sequence[Mapping[str, Any]] = (),
    components: Sequence[Mapping[str, Any]] = (),
    attachments: Sequence[Mapping[str, Any]] = (),
    flags: int = 0,
    tts: bool = False,
    nonce: int | str | None = None,
    message_reference: Mapping[str, Any] | None = None,
    webhook_id: int | str | None = None,
    application_id: int | str | None = None,
    timestamp: str | None = None,
) -> dict[str, Any]:
    """A full message object as returned by POST /channels/{id}/messages."""
    data: dict[str, Any] = {
        "id": str(message_id),
        "type": 19 if message_reference else 0,
        "channel_id": str(channel_id),
        "author": dict(author),
        "content": content,
        "timestamp": timestamp or _now_iso(),
        "edited_timestamp": None,
        "tts": tts,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "mention_channels": [],
        "attachments": [dict(a) for a in attachments],
        "embeds": [dict(e) for e in embeds],
        "reactions": [],
        "pinned": False,
        "flags": flags,
        "components": [dict(c) for c in components],
    }
    if guild_id is not None:
        data["guild_id"] = str(guild_id)
    if member is not None:
        data["member"] = dict(member)
    if nonce is not None:
        data["nonce"] = nonce
    if message_reference:
        data["message_reference"] = {"type": 0, **dict(message_reference)}
    if webhook_id is not None:
        data["webhook_id"] = str(webhook_id)
    if application_id is not None:
        data["application_id"] = str(application_id)
    return data


def message_create(
    *,
    message_id: int,
    channel_id: int,
    author_id: int,
    content: str,
    guild_id: int | None = None,
    username: str | None = None,
) -> dict[str, Any]:
    """``d`` of a MESSAGE_CREATE dispatch from a human user (guild ones carry member)."""
    author = user_object(author_id, username)
    member = None
    if guild_id is not None:
        member = {k: v for k, v in member_object(author).items() if k != "user"}
    return message_object(
        message_id=message_id,
        channel_id=channel_id,
        author=author,
        content=content,
        guild_id=guild_id,
        member=member,
    )


def option(
    name: str, value: str | int | float | bool, *, type: int | None = None
) -> dict[str, Any]:
    """An application-command interaction option (type inferred: str 3, int 4, bool 5, float 10)."""
    if type is None:
        if isinstance(value, bool):
            type = 5
        elif isinstance(value, int):
            type = 4
        elif isinstance(value, float):
            type = 10
        else:
            type = 3
    return {"type": type, "name": name, "value": value}


def subcommand(name: str, *options: Mapping[str, Any]) -> dict[str, Any]:
    """A SUB_COMMAND (type 1) option nesting its own options."""
    return {"type": 1, "name": name, "options": [dict(o) for o in options]}


def _interaction_base(
    *,
    type: int,
    interaction_id: int,
    application_id: int,
    token: str,
    user_id: int,
    username: str | None,
    guild_id: int | None,
    channel_id: int,
    locale: str,
    app_permissions: str,
    member_permissions: str,
) -> dict[str, Any]:
    user = user_object(user_id, username)
    data: dict[str, Any] = {
        "id": str(interaction_id),
        "application_id": str(application_id),
        "type": type,
        "token": token,
        "version": 1,
        "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
        "locale": locale,
        "entitlements": [],
        "entitlement_sku_ids": [],
        "app_permissions": app_permissions,
        "channel_id": str(channel_id),
    }
    if guild_id is not None:
        data["guild_id"] = str(guild_id)
        data["guild_locale"] = "en-US"
        data["guild"] = {"id": str(guild_id), "locale": "en-US", "features": []}
        data["context"] = 0
        data["authorizing_integration_owners"] = {"0": str(guild_id)}
        data["member"] = member_object(user, permissions=member_permissions)
        data["channel"] = text_channel_object(channel_id, guild_id, permissions=member_permissions)
    else:
        data["context"] = 1
        # guild-installed app used in the bot's DM: owner "0"
        data["authorizing_integration_owners"] = {"0": "0"}
        data["user"] = user
        data["channel"] = dm_channel_object(channel_id, user)
    return data


def slash_command_interaction(
    *,
    interaction_id: int,
    user_id: int,
    channel_id: int,
    guild_id: int | None = None,
    name: str = "mentor",
    options: Sequence[Mapping[str, Any]] = (),
    application_id: int = DEFAULT_APPLICATION_ID,
    token: str | None = None,
    command_id: int = DEFAULT_COMMAND_ID,
    command_guild_id: int | None = None,
    username: str | None = None,
    locale: str = "en-US",
    app_permissions: str = "2248473465835073",
    member_permissions: str = "2248473465835073",
) -> dict[str, Any]:
    """``d`` of an INTERACTION_CREATE for a CHAT_INPUT command (type 2).

    ``command_guild_id`` must be set when the command was registered as a *guild* command
    (discord.py's CommandTree looks guild commands up by ``data.guild_id``).
    ``user`` is sent for DMs, ``member`` + ``guild_id`` in guilds.
    """
    data = _interaction_base(
        type=2,
        interaction_id=interaction_id,
        application_id=application_id,
        token=token or f"itok-{interaction_id}",
        user_id=user_id,
        username=username,
        guild_id=guild_id,
        channel_id=channel_id,
        locale=locale,
        app_permissions=app_permissions,
        member_permissions=member_permissions,
    )
    cmd: dict[str, Any] = {
        "id": str(command_id),
        "name": name,
        "type": 1,
        "options": [dict(o) for o in options],
    }
    if command_guild_id is not None:
        cmd["guild_id"] = str(command_guild_id)
    data["data"] = cmd
    return data


def component_interaction(
    *,
    interaction_id: int,
    custom_id: str,
    user_id: int,
    message: Mapping[str, Any],
    channel_id: int,
    guild_id: int | None = None,
    application_id: int = DEFAULT_APPLICATION_ID,
    token: str | None = None,
    component_type: int = 2,
    values: Sequence[str] | None = None,
    username: str | None = None,
    locale: str = "en-US",
    app_permissions: str = "2248473465835073",
    member_permissions: str = "2248473465835073",
) -> dict[str, Any]:
    """``d`` of an INTERACTION_CREATE for a message component (type 3; button by default)."""
    data = _interaction_base(
        type=3,
        interaction_id=interaction_id,
        application_id=application_id,
        token=token or f"itok-{interaction_id}",
        user_id=user_id,
        username=username,
        guild_id=guild_id,
        channel_id=channel_id,
        locale=locale,
        app_permissions=app_permissions,
        member_permissions=member_permissions,
    )
    inner: dict[str, Any] = {"custom_id": custom_id, "component_type": component_type}
    if values is not None:
        inner["values"] = list(values)
    data["data"] = inner
    data["message"] = dict(message)
    return data


def modal_submit_interaction(
    *,
    interaction_id: int,
    custom_id: str,
    user_id: int,
    fields: Mapping[str, str],
    channel_id: int,
    guild_id: int | None = None,
    application_id: int = DEFAULT_APPLICATION_ID,
    token: str | None = None,
    username: str | None = None,
    locale: str = "en-US",
    app_permissions: str = "2248473465835073",
    member_permissions: str = "2248473465835073",
) -> dict[str, Any]:
    """``d`` of an INTERACTION_CREATE for a modal submit (type 5): a label (type 18)
    around a text input per ``fields`` item (custom_id -> value), as Discord sends the
    inputs of a modal that labelled them."""
    data = _interaction_base(
        type=5,
        interaction_id=interaction_id,
        application_id=application_id,
        token=token or f"itok-{interaction_id}",
        user_id=user_id,
        username=username,
        guild_id=guild_id,
        channel_id=channel_id,
        locale=locale,
        app_permissions=app_permissions,
        member_permissions=member_permissions,
    )
    counter = itertools.count(1)
    rows = [
        {
            "type": 18,
            "id": next(counter),
            "component": {"type": 4, "id": next(counter), "custom_id": cid, "value": value},
        }
        for cid, value in fields.items()
    ]
    data["data"] = {"custom_id": custom_id, "components": rows}
    return data


# --------------------------------------------------------------------------------------
# the fake
# --------------------------------------------------------------------------------------


class FakeDiscord:
    """Discord REST v10 + gateway on 127.0.0.1 for the real discord.py.

    Options:
      ``rtt``: seconds added before every REST answer.
      ``global_rate``: max bot-authenticated requests per rolling second (429 global).
      ``per_channel_rate``: max POST /channels/{id}/messages per channel per second
        (rates < 1 mean 1 message per 1/rate seconds); answered 429 (scope "user").
      ``message_bucket``: ``(limit, seconds)`` of each channel's message bucket instead
        (honest ``X-RateLimit-*`` headers; Discord's own is a few messages per few
        seconds); settable until a channel's first message.
      ``route_limit``: per-route bucket size per second for all other routes (honest
        ``X-RateLimit-*`` headers; discord.py paces itself on them).
      ``allowed_privileged_intents``: IDENTIFY asking for other privileged intents is
        closed with 4014 "Disallowed intent(s)" like the real gateway (an intent bit
        Discord doesn't document: 4013; a wrong token: 4004). ``end_sessions(code)`` and
        ``reset_token()`` close live sessions the same way.
      ``interaction_timeout``: if set, a callback later than this after the dispatch
        answers 404 10062 "Unknown interaction" (real Discord: 3 s).
      ``nonce_window``: seconds a message's nonce is remembered for ``enforce_nonce``
        (Discord: "the past few minutes"); ``monotonic`` the clock it is measured on.
    """

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        application_id: int = DEFAULT_APPLICATION_ID,
        bot_user_id: int = DEFAULT_BOT_USER_ID,
        bot_username: str = "mentorbot",
        owner_id: int = DEFAULT_OWNER_ID,
        guilds: Sequence[int | Mapping[str, Any]] = (),
        rtt: float = 0.0,
        global_rate: float | None = None,
        per_channel_rate: float | None = None,
        message_bucket: tuple[int, float] | None = None,
        route_limit: int = 50,
        heartbeat_interval_ms: int = HEARTBEAT_INTERVAL_MS,
        allowed_privileged_intents: int = 0,
        interaction_timeout: float | None = None,
        nonce_window: float = NONCE_WINDOW,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.token = token
        self.application_id = application_id
        self.bot_user_id = bot_user_id
        self.owner_id = owner_id
        self.rtt = rtt
        self.global_rate = global_rate
        self.per_channel_rate = per_channel_rate
        self.message_bucket = message_bucket
        self.route_limit = route_limit
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.allowed_privileged_intents = allowed_privileged_intents
        self.interaction_timeout = interaction_timeout
        self.nonce_window = nonce_window
        self._monotonic = monotonic
        self.bot_user = user_object(bot_user_id, bot_username, bot=True)

        self._snowflake = _SnowflakeGen()
        self._users: dict[str, dict[str, Any]] = {str(owner_id): user_object(owner_id, "owner")}
        self._guilds: dict[str, dict[str, Any]] = {}
        for g in guilds:
            payload = (
                guild_object(g, bot_user=self.bot_user, owner_id=owner_id)
                if isinstance(g, int)
                else dict(g)
            )
            self._guilds[str(payload["id"])] = payload
        self._channels: dict[str, dict[str, Any]] = {}
        for payload in self._guilds.values():
            for ch in payload.get("channels", []):
                self._channels[str(ch["id"])] = {**ch, "guild_id": str(payload["id"])}

        # recordings
        self.calls: list[Call] = []
        self.gateway_frames: list[GatewayFrame] = []
        self.gateway_connects: list[dict[str, str]] = []
        self.identify_payloads: list[dict[str, Any]] = []
        self.resume_payloads: list[dict[str, Any]] = []
        self.heartbeats = 0
        self.rejected_429 = 0
        self.dm_opens = 0
        self.ready_count = 0

        # state
        self._commands: dict[str | None, list[dict[str, Any]]] = {}
        self._dm_by_user: dict[str, str] = {}
        self._closed_dms: set[str] = set()
        self._messages: dict[str, dict[str, Any]] = {}
        self._sent: list[dict[str, Any]] = []
        # (author id, nonce) -> (message id, when): for enforce_nonce
        self._nonces: dict[tuple[str, str], tuple[str, float]] = {}
        self._followups: list[dict[str, Any]] = []
        self._interaction_responses: list[InteractionResponse] = []
        self._interactions: dict[str, _InteractionState] = {}
        self._interactions_by_token: dict[str, _InteractionState] = {}
        self._failures: list[_Failure] = []
        self._global_window: _Window | None = None
        self._buckets: dict[str, _Window] = {}
        self._sessions: dict[str, _Session] = {}
        self._sockets: set[web.WebSocketResponse] = set()
        self._changed = asyncio.Event()
        self.poll_interval = 0.01

        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    # -- lifecycle ---------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(middlewares=[self._middleware], client_max_size=32 * 1024 * 1024)
        self._add_routes(app)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        addresses = self._runner.addresses
        self._port = int(addresses[0][1])

    async def stop(self) -> None:
        for ws in list(self._sockets):
            with contextlib.suppress(Exception):
                await ws.close(code=1001, message=b"fake shutting down")
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("FakeDiscord is not started")
        return self._port

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base(self) -> str:
        return f"{self.base_url}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gw"

    # -- pointing discord.py at the fake ------------------------------------------------

    def patch_discord(self, monkeypatch: _Monkeypatch) -> None:
        """Point discord.py's process-global Route.BASE / DEFAULT_GATEWAY at the fake
        (restored by pytest's monkeypatch at teardown)."""
        import discord.gateway
        import discord.http

        monkeypatch.setattr(discord.http.Route, "BASE", self.api_base)
        monkeypatch.setattr(
            discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(self.gateway_url)
        )

    @contextlib.contextmanager
    def patched_discord(self) -> Iterator[None]:
        """Context-manager flavour of :meth:`patch_discord`."""
        import discord.gateway
        import discord.http

        old_base = discord.http.Route.BASE
        old_gw = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
        discord.http.Route.BASE = self.api_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.gateway_url)
        try:
            yield
        finally:
            discord.http.Route.BASE = old_base
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gw

    # -- scripting ---------------------------------------------------------------------

    def add_user(
        self, user_id: int, username: str | None = None, *, global_name: str | None = None
    ) -> dict[str, Any]:
        """Register a user (used for DM recipients and GET /users/{id})."""
        user = user_object(user_id, username, global_name=global_name)
        self._users[str(user_id)] = user
        return user

    def close_dms(self, user_id: int) -> None:
        """Messages to this user's DM channel answer 403 50007."""
        self._closed_dms.add(str(user_id))

    def open_dms(self, user_id: int) -> None:
        self._closed_dms.discard(str(user_id))

    def fail_next(
        self,
        method: str,
        path_regex: str,
        *,
        status: int,
        body: Any = None,
        retry_after: float | None = None,
        is_global: bool = False,
        scope: str | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` requests matching ``method`` and ``path_regex``
        (``re.search`` on the path relative to /api/v10, e.g. ``r"^/channels/\\d+/messages$"``)
        with ``status``. For 429 the Discord body/headers (incl. ``Via``) are built from
        ``retry_after`` (default 0.1 s) and ``scope`` (``X-RateLimit-Scope``: "user", the
        default, "shared" — a resource's limit —, or "global", also ``is_global=True``)
        unless ``body`` is given."""
        scope = scope or ("global" if is_global else "user")
        if scope not in ("user", "shared", "global"):
            raise ValueError(f"Discord's 429 scopes are user, shared and global, not {scope!r}")
        self._failures.append(
            _Failure(
                method=method.upper(),
                path_re=re.compile(path_regex),
                status=status,
                body=body,
                retry_after=retry_after,
                scope=scope,
                times=times,
            )
        )

    def channel_for_guild(self, guild_id: int) -> int:
        """The first text channel of a configured guild."""
        for ch in self._guilds[str(guild_id)]["channels"]:
            if ch["type"] == 0:
                return int(ch["id"])
        raise KeyError(guild_id)

    def dm_channel_id(self, user_id: int) -> int | None:
        cid = self._dm_by_user.get(str(user_id))
        return None if cid is None else int(cid)

    # -- inspection --------------------------------------------------------------------

    def registered_commands(self, guild_id: int | None = None) -> list[dict[str, Any]]:
        return [dict(c) for c in self._commands.get(_opt_str(guild_id), [])]

    def command_id(self, name: str, guild_id: int | None = None) -> int:
        for c in self._commands.get(_opt_str(guild_id), []):
            if c["name"] == name:
                return int(c["id"])
        raise KeyError(name)

    def messages_sent(self, channel_id: int | None = None) -> list[dict[str, Any]]:
        """Message objects created by successful POST /channels/{id}/messages (current state,
        i.e. including later edits)."""
        out = [self._public(self._messages[m["id"]]) for m in self._sent]
        if channel_id is not None:
            out = [m for m in out if m["channel_id"] == str(channel_id)]
        return out

    def message(self, message_id: str) -> dict[str, Any]:
        """One message as it is now (after any edit)."""
        return self._public(self._messages[message_id])

    def files_sent(self, path_regex: str = r"/messages$") -> list[tuple[str, bytes]]:
        """``(file name, bytes)`` of every file uploaded with a successful request whose path
        matches ``path_regex`` (channel messages by default)."""
        rx = re.compile(path_regex)
        return [
            (u.filename, u.data)
            for c in self.calls
            if c.status < 300 and rx.search(c.path)
            for u in c.uploads
        ]

    def interaction_responses(self) -> list[InteractionResponse]:
        return list(self._interaction_responses)

    def followups(self, token: str | None = None) -> list[dict[str, Any]]:
        """Messages created with POST /webhooks/{app}/{token} (optionally one interaction's)."""
        out = [self._messages.get(m["id"], m) for m in self._followups]
        if token is not None:
            out = [m for m in out if m.get("_token") == token]
        return [{k: v for k, v in m.items() if k != "_token"} for m in out]

    def original_response(self, token: str) -> dict[str, Any] | None:
        st = self._interactions_by_token.get(token)
        if st is None or st.original_id is None:
            return None
        return self._public(self._messages[st.original_id])

    def calls_to(self, method: str, path_regex: str) -> list[Call]:
        rx = re.compile(path_regex)
        return [c for c in self.calls if c.method == method.upper() and rx.search(c.path)]

    @property
    def identifies(self) -> int:
        return len(self.identify_payloads)

    @property
    def resumes(self) -> int:
        return len(self.resume_payloads)

    @property
    def last_intents(self) -> int | None:
        if not self.identify_payloads:
            return None
        value = self.identify_payloads[-1].get("intents")
        return None if value is None else int(value)

    @property
    def connected_sessions(self) -> int:
        return sum(1 for s in self._sessions.values() if s.alive and s.ws is not None)

    # -- waiting -----------------------------------------------------------------------

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 5.0) -> Any:  # noqa: ASYNC109
        """Wait (bounded) until ``predicate()`` is truthy; return its value.

        Re-checked on every fake-side event (request recorded, frame sent/received) and every
        ``poll_interval`` seconds. Raises TimeoutError listing the recorded calls."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            result = predicate()
            if result:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(
                    f"condition not met within {timeout}s; recorded calls:\n{self.describe_calls()}"
                )
            event = self._changed
            # woken by any fake-side change; the short poll also catches predicates on
            # client-side state (e.g. a list filled by an event handler)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), min(remaining, self.poll_interval))

    async def wait_for_calls(
        self,
        method: str,
        path_regex: str,
        n: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> list[Call]:
        """Wait until at least ``n`` requests (any status) match; return all matching."""
        try:
            return list(
                await self.wait_for(
                    lambda: (m := self.calls_to(method, path_regex)) and len(m) >= n and m,
                    timeout,
                )
            )
        except TimeoutError:
            raise TimeoutError(
                f"expected {n} x {method} {path_regex} within {timeout}s; recorded calls:\n"
                f"{self.describe_calls()}"
            ) from None

    async def wait_ready(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until a session has been sent READY (and its GUILD_CREATEs)."""
        await self.wait_for(
            lambda: any(s.ready and s.alive and s.ws is not None for s in self._sessions.values()),
            timeout,
        )

    @staticmethod
    def _short(value: Any) -> str:
        return "" if value is None else json.dumps(value)[:200]

    def describe_calls(self) -> str:
        if not self.calls:
            return "  (none)"
        return "\n".join(
            f"  {c.method} {c.path} -> {c.status} {self._short(c.json)}" for c in self.calls
        )

    # -- gateway control ---------------------------------------------------------------

    async def dispatch(self, event: str, data: Mapping[str, Any]) -> int:
        """Send an op 0 dispatch to every live session; returns the (last) sequence number.
        Sessions currently disconnected get it on RESUME."""
        live = [s for s in self._sessions.values() if s.alive]
        if not live:
            raise RuntimeError(f"no gateway session to dispatch {event} to")
        if event == "INTERACTION_CREATE":
            self._register_interaction(data)
        seq = 0
        for session in live:
            seq = await self._send_dispatch(session, event, dict(data))
        return seq

    async def member_leaves(self, guild_id: int, user_id: int, username: str = "ann") -> int:
        """A member leaves (or is kicked from) a guild: GUILD_MEMBER_REMOVE goes only to
        sessions that asked for the GUILD_MEMBERS intent, as Discord sends it. Returns how
        many sessions got it."""
        data = {"guild_id": str(guild_id), "user": user_object(user_id, username)}
        told = [s for s in self._sessions.values() if s.alive and s.intents & GUILD_MEMBERS]
        for session in told:
            await self._send_dispatch(session, "GUILD_MEMBER_REMOVE", dict(data))
        return len(told)

    async def send_reconnect(self) -> None:
        """op 7 to every connected session (the client closes and RESUMEs)."""
        for session in self._sessions.values():
            if session.alive and session.ws is not None:
                await self._send(session.ws, {"op": 7, "d": None})

    async def invalidate_session(self, resumable: bool) -> None:
        """op 9; if not resumable the sessions are dropped and the client re-IDENTIFYs."""
        for session in list(self._sessions.values()):
            if not session.alive or session.ws is None:
                continue
            ws = session.ws
            if not resumable:
                session.alive = False
            await self._send(ws, {"op": 9, "d": resumable})
        self._notify()

    async def disconnect(self, code: int = 4000) -> None:
        """Close every gateway socket from the server side (client will try to RESUME)."""
        for ws in list(self._sockets):
            await ws.close(code=code)

    async def end_sessions(self, code: int) -> None:
        """Close every gateway socket with a close code no reconnect fixes (4004, 4010-4014),
        with Discord's reason, and forget the sessions: they can't be resumed."""
        reason = FATAL_CLOSE_REASONS[code].encode()
        for session in self._sessions.values():
            session.alive = False
        for ws in list(self._sockets):
            await ws.close(code=code, message=reason)

    async def reset_token(self, new_token: str) -> None:
        """The Developer Portal's Reset Token: the old token is refused from now on (REST
        401, IDENTIFY 4004) and the sessions it opened are closed with 4004."""
        self.token = new_token
        await self.end_sessions(4004)

    async def _send(self, ws: web.WebSocketResponse, frame: Mapping[str, Any]) -> None:
        if ws.closed:
            return
        with contextlib.suppress(ConnectionResetError, RuntimeError):
            await ws.send_str(json.dumps(frame))

    async def _send_dispatch(self, session: _Session, event: str, data: dict[str, Any]) -> int:
        session.seq += 1
        frame = {"op": 0, "t": event, "s": session.seq, "d": data}
        session.history.append((session.seq, frame))
        if session.ws is not None:
            await self._send(session.ws, frame)
        self._notify()
        return session.seq

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(autoping=True, max_msg_size=0)
        await ws.prepare(request)
        self._sockets.add(ws)
        self.gateway_connects.append(dict(request.query))
        session: _Session | None = None
        self._notify()
        try:
            await self._send(
                ws, {"op": 10, "d": {"heartbeat_interval": self.heartbeat_interval_ms}}
            )
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    continue
                try:
                    frame = json.loads(msg.data)
                except ValueError:
                    await ws.close(code=4002, message=b"Error while decoding payload.")
                    break
                op = frame.get("op")
                d = frame.get("d")
                self.gateway_frames.append(
                    GatewayFrame(session.session_id if session else None, int(op or -1), d)
                )
                if op == 1:
                    self.heartbeats += 1
                    await self._send(ws, {"op": 11})
                elif op == 2:
                    session = await self._identify(ws, d or {})
                elif op == 6:
                    session = await self._resume(ws, d or {})
                elif op == 8:
                    await self._request_members(session, d or {})
                # op 3 presence, op 4 voice state: accepted silently
                self._notify()
        finally:
            self._sockets.discard(ws)
            if session is not None and session.ws is ws:
                session.ws = None
            self._notify()
        return ws

    async def _identify(self, ws: web.WebSocketResponse, d: Mapping[str, Any]) -> _Session | None:
        self.identify_payloads.append(dict(d))
        if d.get("token") != self.token and d.get("token") != f"Bot {self.token}":
            await ws.close(code=4004, message=FATAL_CLOSE_REASONS[4004].encode())
            return None
        intents = d.get("intents")
        if not isinstance(intents, int) or intents < 0 or intents & ~KNOWN_INTENTS:
            await ws.close(code=4013, message=FATAL_CLOSE_REASONS[4013].encode())
            return None
        disallowed = intents & PRIVILEGED_INTENTS & ~self.allowed_privileged_intents
        if disallowed:
            await ws.close(code=4014, message=FATAL_CLOSE_REASONS[4014].encode())
            return None
        shard = d.get("shard")
        session = _Session(
            session_id=uuid.uuid4().hex,
            intents=intents,
            shard=list(shard) if shard else None,
            ws=ws,
        )
        self._sessions[session.session_id] = session
        ready: dict[str, Any] = {
            "v": 10,
            "user": {**self.bot_user, "verified": True, "mfa_enabled": False, "email": None},
            "guilds": [{"id": gid, "unavailable": True} for gid in self._guilds],
            "session_id": session.session_id,
            "session_type": "normal",
            "resume_gateway_url": self.gateway_url,
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "user_settings": {},
            "geo_ordered_rtc_regions": [],
            "application": {"id": str(self.application_id), "flags": 0},
            "_trace": ["fake-discord"],
        }
        if session.shard is not None:
            ready["shard"] = session.shard
        await self._send_dispatch(session, "READY", ready)
        for payload in self._guilds.values():
            await self._send_dispatch(session, "GUILD_CREATE", json.loads(json.dumps(payload)))
        session.ready = True
        self.ready_count += 1
        self._notify()
        return session

    async def _resume(self, ws: web.WebSocketResponse, d: Mapping[str, Any]) -> _Session | None:
        self.resume_payloads.append(dict(d))
        session = self._sessions.get(str(d.get("session_id")))
        if (
            session is None
            or not session.alive
            or d.get("token")
            not in (
                self.token,
                f"Bot {self.token}",
            )
        ):
            await self._send(ws, {"op": 9, "d": False})
            return None
        old = session.ws
        session.ws = ws
        if old is not None and old is not ws and not old.closed:
            await old.close(code=4000)
        after = int(d.get("seq") or 0)
        for seq, frame in session.history:
            if seq > after:
                await self._send(ws, frame)
        await self._send_dispatch(session, "RESUMED", {"_trace": ["fake-discord"]})
        return session

    async def _request_members(self, session: _Session | None, d: Mapping[str, Any]) -> None:
        if session is None:
            return
        gid = str(d.get("guild_id"))
        guild = self._guilds.get(gid)
        chunk: dict[str, Any] = {
            "guild_id": gid,
            "members": guild["members"] if guild else [],
            "chunk_index": 0,
            "chunk_count": 1,
        }
        if d.get("nonce") is not None:
            chunk["nonce"] = d["nonce"]
        await self._send_dispatch(session, "GUILD_MEMBERS_CHUNK", chunk)

    def _register_interaction(self, data: Mapping[str, Any]) -> None:
        iid = str(data.get("id"))
        message = data.get("message")
        if iid in self._interactions:
            return  # re-delivery of the same interaction keeps its acknowledgement state
        st = _InteractionState(
            interaction_id=iid,
            token=str(data.get("token")),
            type=int(data.get("type", 2)),
            channel_id=_opt_str(data.get("channel_id")),
            guild_id=_opt_str(data.get("guild_id")),
            message_id=str(message["id"]) if isinstance(message, Mapping) else None,
            dispatched_at=time.monotonic(),
        )
        self._interactions[iid] = st
        self._interactions_by_token[st.token] = st
        if isinstance(message, Mapping) and str(message["id"]) not in self._messages:
            self._messages[str(message["id"])] = dict(message)

    # -- HTTP plumbing -----------------------------------------------------------------

    def _add_routes(self, app: web.Application) -> None:
        p = API_PREFIX
        r = app.router
        r.add_get("/gw", self._gateway)
        r.add_get(p + "/users/@me", self._get_me)
        r.add_post(p + "/users/@me/channels", self._create_dm)
        r.add_get(p + "/users/{user_id}", self._get_user)
        r.add_get(p + "/oauth2/applications/@me", self._get_application)
        r.add_get(p + "/applications/@me", self._get_application)
        r.add_get(p + "/gateway", self._get_gateway)
        r.add_get(p + "/gateway/bot", self._get_gateway_bot)
        cmds = p + "/applications/{application_id}/commands"
        gcmds = p + "/applications/{application_id}/guilds/{guild_id}/commands"
        for path in (cmds, gcmds):
            r.add_put(path, self._put_commands)
            r.add_get(path, self._get_commands)
            r.add_post(path, self._post_command)
        r.add_get(p + "/channels/{channel_id}", self._get_channel)
        r.add_post(p + "/channels/{channel_id}/messages", self._post_message)
        r.add_get(p + "/channels/{channel_id}/messages/{message_id}", self._get_message)
        r.add_patch(p + "/channels/{channel_id}/messages/{message_id}", self._patch_message)
        r.add_delete(p + "/channels/{channel_id}/messages/{message_id}", self._delete_message)
        r.add_post(p + "/channels/{channel_id}/typing", self._no_content)
        r.add_post(
            p + "/interactions/{interaction_id}/{interaction_token}/callback",
            self._interaction_callback,
        )
        r.add_post(p + "/webhooks/{webhook_id}/{webhook_token}", self._webhook_execute)
        wmsg = p + "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}"
        r.add_get(wmsg, self._webhook_get_message)
        r.add_patch(wmsg, self._webhook_edit_message)
        r.add_delete(wmsg, self._webhook_delete_message)
        r.add_route("*", "/{tail:.*}", self._not_found)

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path == "/gw":
            return await handler(request)
        body, uploads = await self._read_body(request)
        files = [u.filename for u in uploads]
        request[_BODY] = body
        request[_FILES] = files
        request[_UPLOADS] = uploads
        path = (
            request.path[len(API_PREFIX) :] if request.path.startswith(API_PREFIX) else request.path
        )
        response = _check_uploads(body, uploads) or await self._handle(request, handler, path, body)
        if self.rtt:
            await asyncio.sleep(self.rtt)
        self.calls.append(
            Call(
                method=request.method,
                path=path,
                json=body,
                headers=dict(request.headers),
                query=dict(request.query),
                status=response.status,
                files=tuple(files),
                at=time.monotonic(),
                uploads=tuple(uploads),
            )
        )
        self._notify()
        return response

    async def _read_body(self, request: web.Request) -> tuple[Any, list[Upload]]:
        if not request.can_read_body:
            return None, []
        ctype = request.content_type
        if ctype == "multipart/form-data":
            payload: Any = None
            files: list[Upload] = []
            reader = await request.multipart()
            async for part in reader:
                if not isinstance(part, BodyPartReader):
                    continue
                raw = await part.read()
                if part.name == "payload_json":
                    payload = json.loads(bytes(raw).decode())
                elif part.filename:
                    files.append(Upload(part.name or "", part.filename, bytes(raw)))
            return payload, files
        raw = await request.read()
        if not raw:
            return None, []
        if ctype == _JSON:
            try:
                return json.loads(raw), []
            except ValueError:
                return raw.decode(errors="replace"), []
        if ctype == "application/x-www-form-urlencoded":
            return dict(await request.post()), []
        return raw.decode(errors="replace"), []

    async def _handle(
        self, request: web.Request, handler: Handler, path: str, body: Any
    ) -> web.StreamResponse:
        now = time.monotonic()
        # 1. scripted failures
        for failure in self._failures:
            if (
                failure.times > 0
                and failure.method == request.method
                and failure.path_re.search(path)
            ):
                failure.times -= 1
                if failure.times <= 0:
                    self._failures.remove(failure)
                return self._scripted(failure, request)
        authed = "Authorization" in request.headers
        route = request.match_info.route
        canonical = route.resource.canonical if route.resource is not None else path
        is_unknown = route.handler == self._not_found
        # 2. authentication (interaction callbacks / webhooks with token are unauthenticated)
        if (
            not is_unknown
            and "webhook_token" not in request.match_info
            and "interaction_token" not in request.match_info
            and request.headers.get("Authorization") != f"Bot {self.token}"
        ):
            return _error(401, "401: Unauthorized")
        # 3. global limit (bot-authenticated requests only)
        if authed and self.global_rate is not None:
            if self._global_window is None:
                limit = max(1, int(self.global_rate))
                self._global_window = _Window(
                    limit, 1.0 if self.global_rate >= 1 else 1 / self.global_rate
                )
            wait = self._global_window.retry_after(now)
            if wait > 0:
                return self._too_many(wait, scope="global", bucket_headers={})
            self._global_window.hit(now)
        # 4. per-route bucket
        bucket_headers: dict[str, str] = {}
        if not is_unknown:
            major = "+".join(
                request.match_info[k]
                for k in ("channel_id", "guild_id", "webhook_id", "webhook_token", "interaction_id")
                if k in request.match_info
            )
            route_key = f"{request.method} {canonical}"
            is_msg = request.method == "POST" and canonical.endswith(
                "/channels/{channel_id}/messages"
            )
            window = self._bucket(f"{route_key}:{major}", is_msg)
            bucket_hash = _bucket_hash(route_key)
            wait = window.retry_after(now)
            if wait > 0:
                return self._too_many(
                    wait,
                    scope="user",
                    bucket_headers=self._bucket_headers(
                        window, now, bucket_hash, remaining=0, reset_after=wait
                    ),
                )
            window.hit(now)
            bucket_headers = self._bucket_headers(window, now, bucket_hash)
        response = await handler(request)
        for k, v in bucket_headers.items():
            response.headers[k] = v
        return response

    def _bucket(self, key: str, is_msg: bool) -> _Window:
        window = self._buckets.get(key)
        if window is None:
            if is_msg and self.message_bucket is not None:
                window = _Window(*self.message_bucket)
            elif is_msg and self.per_channel_rate is not None:
                rate = self.per_channel_rate
                window = _Window(max(1, int(rate)), 1.0 if rate >= 1 else 1 / rate)
            else:
                window = _Window(self.route_limit, 1.0)
            self._buckets[key] = window
        return window

    @staticmethod
    def _bucket_headers(
        window: _Window,
        now: float,
        bucket_hash: str,
        *,
        remaining: int | None = None,
        reset_after: float | None = None,
    ) -> dict[str, str]:
        ra = window.reset_after(now) if reset_after is None else reset_after
        return {
            "X-RateLimit-Limit": str(window.limit),
            "X-RateLimit-Remaining": str(window.remaining(now) if remaining is None else remaining),
            "X-RateLimit-Reset": f"{time.time() + ra:.3f}",
            "X-RateLimit-Reset-After": f"{ra:.3f}",
            "X-RateLimit-Bucket": bucket_hash,
        }

    def _too_many(
        self, retry_after: float, *, scope: str, bucket_headers: Mapping[str, str]
    ) -> web.Response:
        """Discord's 429: ``Retry-After`` in whole seconds, ``X-RateLimit-Scope``,
        ``X-RateLimit-Global`` only when global (a global limit names no bucket), and the
        body's exact ``retry_after`` and ``global``."""
        is_global = scope == "global"
        self.rejected_429 += 1
        retry_after = max(round(retry_after, 3), 0.001)
        headers = {
            "Retry-After": str(math.ceil(retry_after)),
            "Via": "1.1 google",
            "X-RateLimit-Scope": scope,
            **bucket_headers,
        }
        if is_global:
            headers["X-RateLimit-Global"] = "true"
        body = {
            "message": "You are being rate limited.",
            "retry_after": retry_after,
            "global": is_global,
        }
        return _json_response(body, status=429, headers=headers)

    def _scripted(self, failure: _Failure, request: web.Request) -> web.Response:
        if failure.status == 429:
            retry_after = failure.retry_after if failure.retry_after is not None else 0.1
            now = time.monotonic()
            bucket_headers: dict[str, str] = {}
            if failure.scope != "global":  # the bucket of the route that was asked
                route = request.match_info.route
                canonical = route.resource.canonical if route.resource else request.path
                bucket_headers = self._bucket_headers(
                    _Window(1, retry_after),
                    now,
                    _bucket_hash(f"{request.method} {canonical}"),
                    remaining=0,
                    reset_after=retry_after,
                )
            resp = self._too_many(retry_after, scope=failure.scope, bucket_headers=bucket_headers)
            if failure.body is not None:
                resp.body = json.dumps(failure.body).encode()
            return resp
        body = failure.body
        if body is None:
            try:
                reason = HTTPStatus(failure.status).phrase
            except ValueError:
                reason = "Error"
            body = {"message": f"{failure.status}: {reason}", "code": 0}
        headers = {}
        if failure.retry_after is not None:
            headers["Retry-After"] = str(math.ceil(failure.retry_after))
        return _json_response(body, status=failure.status, headers=headers)

    # -- handlers: misc ----------------------------------------------------------------

    async def _not_found(self, request: web.Request) -> web.StreamResponse:
        return _error(404, "404: Not Found")

    async def _no_content(self, request: web.Request) -> web.StreamResponse:
        return web.Response(status=204)

    async def _get_me(self, request: web.Request) -> web.StreamResponse:
        return _json_response(
            {
                **self.bot_user,
                "verified": True,
                "mfa_enabled": False,
                "email": None,
                "locale": "en-US",
                "premium_type": 0,
                "bio": "",
            }
        )

    async def _get_user(self, request: web.Request) -> web.StreamResponse:
        uid = request.match_info["user_id"]
        if uid == str(self.bot_user_id):
            return _json_response(self.bot_user)
        user = self._users.get(uid)
        if user is None:
            if not uid.isdigit():
                return _error(404, "Unknown User", 10013)
            user = user_object(int(uid))
        return _json_response(user)

    def application_object(self) -> dict[str, Any]:
        return {
            "id": str(self.application_id),
            "name": str(self.bot_user["username"]),
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "hook": True,
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "flags": 0,
            "owner": self._users[str(self.owner_id)],
            "team": None,
            "bot": self.bot_user,
            "rpc_origins": [],
            "redirect_uris": [],
            "tags": [],
            "interactions_endpoint_url": None,
            "role_connections_verification_url": None,
            "install_params": {"scopes": ["bot", "applications.commands"], "permissions": "0"},
            "integration_types_config": {"0": {}},
            "approximate_guild_count": len(self._guilds),
            "approximate_user_install_count": 0,
        }

    async def _get_application(self, request: web.Request) -> web.StreamResponse:
        return _json_response(self.application_object())

    async def _get_gateway(self, request: web.Request) -> web.StreamResponse:
        return _json_response({"url": self.gateway_url})

    async def _get_gateway_bot(self, request: web.Request) -> web.StreamResponse:
        return _json_response(
            {
                "url": self.gateway_url,
                "shards": 1,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 1000 - self.identifies,
                    "reset_after": 14400000,
                    "max_concurrency": 1,
                },
            }
        )

    # -- handlers: application commands -----------------------------------------------

    def _check_app(self, request: web.Request) -> web.Response | None:
        if request.match_info["application_id"] != str(self.application_id):
            return _error(403, "Missing Access", 50001)
        return None

    def _validate_command(self, cmd: Any, errors: dict[str, Any], where: str) -> None:
        if not isinstance(cmd, Mapping):
            errors[where] = "not an object"
            return
        name = cmd.get("name")
        ctype = int(cmd.get("type", 1))
        if not isinstance(name, str) or not (
            _COMMAND_NAME_RE.match(name) if ctype == 1 else 1 <= len(name) <= 32
        ):
            errors[f"{where}.name"] = "APPLICATION_COMMAND_INVALID_NAME"
        if ctype == 1 and name != (name or "").lower():
            errors[f"{where}.name"] = "APPLICATION_COMMAND_INVALID_NAME (must be lowercase)"
        if ctype == 1 or "description" in cmd:
            desc = cmd.get("description")
            if ctype == 1 and (not isinstance(desc, str) or not 1 <= len(desc) <= 100):
                errors[f"{where}.description"] = "BASE_TYPE_BAD_LENGTH (1-100)"
        checks: tuple[tuple[str, Callable[[str], bool]], ...] = (
            ("name_localizations", lambda text: bool(_COMMAND_NAME_RE.match(text))),
            ("description_localizations", lambda text: 1 <= len(text) <= 100),
        )
        for key, valid in checks:
            localized = cmd.get(key)
            if localized is None:
                continue
            if not isinstance(localized, Mapping):
                errors[f"{where}.{key}"] = "MODEL_TYPE_CONVERT (expected a dictionary)"
                continue
            for locale, text in localized.items():
                if locale not in DISCORD_LOCALES:
                    errors[f"{where}.{key}.{locale}"] = "LOCALE_INVALID"
                elif not isinstance(text, str) or not valid(text):
                    errors[f"{where}.{key}.{locale}"] = "BASE_TYPE_BAD_LENGTH"
        for i, choice in enumerate(cmd.get("choices") or []):
            localized = choice.get("name_localizations") if isinstance(choice, Mapping) else None
            for locale, text in (localized or {}).items():
                if locale not in DISCORD_LOCALES or not 1 <= len(str(text)) <= 100:
                    errors[f"{where}.choices.{i}.name_localizations.{locale}"] = "LOCALE_INVALID"
        opts = cmd.get("options") or []
        seen: set[str] = set()
        for i, opt in enumerate(opts):
            if isinstance(opt, Mapping):
                if opt.get("name") in seen:
                    errors[f"{where}.options.{i}.name"] = (
                        "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS"
                    )
                seen.add(str(opt.get("name")))
                self._validate_command({**opt, "type": 1}, errors, f"{where}.options.{i}")

    def _normalize_command(
        self, cmd: Mapping[str, Any], guild_id: str | None, existing: Mapping[str, dict[str, Any]]
    ) -> dict[str, Any]:
        ctype = int(cmd.get("type", 1))
        prev = existing.get(f"{ctype}:{cmd['name']}")
        out: dict[str, Any] = {
            "id": prev["id"] if prev else str(self._snowflake()),
            "application_id": str(self.application_id),
            "version": str(self._snowflake()),
            "type": ctype,
            "name": cmd["name"],
            "name_localizations": cmd.get("name_localizations"),
            "description": cmd.get("description", ""),
            "description_localizations": cmd.get("description_localizations"),
            "default_member_permissions": cmd.get("default_member_permissions"),
            "nsfw": bool(cmd.get("nsfw", False)),
            "integration_types": cmd.get("integration_types") or [0],
            "contexts": cmd.get("contexts"),
        }
        if cmd.get("options"):
            out["options"] = json.loads(json.dumps(cmd["options"]))
        if guild_id is None:
            out["dm_permission"] = cmd.get("dm_permission", True)
        else:
            out["guild_id"] = guild_id
        return out

    async def _put_commands(self, request: web.Request) -> web.StreamResponse:
        if (bad := self._check_app(request)) is not None:
            return bad
        body = request[_BODY]
        if not isinstance(body, list):
            return _error(400, "Invalid Form Body", 50035, errors={"_errors": "expected array"})
        errors: dict[str, Any] = {}
        names: set[tuple[int, str]] = set()
        for i, cmd in enumerate(body):
            self._validate_command(cmd, errors, str(i))
            if isinstance(cmd, Mapping):
                key = (int(cmd.get("type", 1)), str(cmd.get("name")))
                if key in names:
                    errors[f"{i}.name"] = "APPLICATION_COMMANDS_DUPLICATE_NAME"
                names.add(key)
        if errors:
            return _error(400, "Invalid Form Body", 50035, errors=errors)
        gid = request.match_info.get("guild_id")
        existing = {f"{c['type']}:{c['name']}": c for c in self._commands.get(gid, [])}
        stored = [self._normalize_command(c, gid, existing) for c in body]
        self._commands[gid] = stored
        return _json_response(stored)

    async def _post_command(self, request: web.Request) -> web.StreamResponse:
        if (bad := self._check_app(request)) is not None:
            return bad
        cmd = request[_BODY]
        errors: dict[str, Any] = {}
        self._validate_command(cmd, errors, "0")
        if errors:
            return _error(400, "Invalid Form Body", 50035, errors=errors)
        gid = request.match_info.get("guild_id")
        current = self._commands.setdefault(gid, [])
        existing = {f"{c['type']}:{c['name']}": c for c in current}
        new = self._normalize_command(cmd, gid, existing)
        created = f"{new['type']}:{new['name']}" not in existing
        current[:] = [c for c in current if c["id"] != new["id"]] + [new]
        return _json_response(new, status=201 if created else 200)

    async def _get_commands(self, request: web.Request) -> web.StreamResponse:
        if (bad := self._check_app(request)) is not None:
            return bad
        return _json_response(self._commands.get(request.match_info.get("guild_id"), []))

    # -- handlers: channels & messages ------------------------------------------------

    async def _create_dm(self, request: web.Request) -> web.StreamResponse:
        body = request[_BODY] or {}
        rid = body.get("recipient_id") if isinstance(body, Mapping) else None
        if rid is None or not str(rid).isdigit():
            return _error(400, "Invalid Form Body", 50035, errors={"recipient_id": "required"})
        uid = str(rid)
        self.dm_opens += 1
        cid = self._dm_by_user.get(uid)
        if cid is None:
            cid = str(self._snowflake())
            self._dm_by_user[uid] = cid
        user = self._users.get(uid) or user_object(uid)
        channel = dm_channel_object(cid, user)
        self._channels[cid] = {**channel, "_recipient": uid}
        return _json_response(channel)

    async def _get_channel(self, request: web.Request) -> web.StreamResponse:
        ch = self._channels.get(request.match_info["channel_id"])
        if ch is None:
            return _error(404, "Unknown Channel", 10003)
        return _json_response(self._public(ch))

    @staticmethod
    def _public(obj: Mapping[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in obj.items() if not k.startswith("_")}

    def _attachments(self, files: Sequence[str], body: Any) -> list[dict[str, Any]]:
        out = []
        for index, name in enumerate(files):
            described = _described(body).get(index, {})
            aid = self._snowflake()
            out.append(
                {
                    "id": str(aid),
                    "filename": described.get("filename", name),
                    "size": 0,
                    "url": f"{self.base_url}/attachments/{aid}/{name}",
                    "proxy_url": f"{self.base_url}/attachments/{aid}/{name}",
                    "content_type": "application/octet-stream",
                }
            )
        return out

    @staticmethod
    def _validate_message(body: Any, files: Sequence[str]) -> web.Response | None:
        if not isinstance(body, Mapping):
            body = {}
        content = body.get("content") or ""
        if len(str(content)) > 2000:
            return _error(
                400,
                "Invalid Form Body",
                50035,
                errors={"content": "BASE_TYPE_MAX_LENGTH: Must be 2000 or fewer in length."},
            )
        if (bad := _check_embeds(body.get("embeds"))) is not None:
            return bad
        if not (
            content
            or body.get("embeds")
            or body.get("components")
            or body.get("sticker_ids")
            or body.get("poll")
            or files
        ):
            return _error(400, "Cannot send an empty message", 50006)
        return None

    async def _post_message(self, request: web.Request) -> web.StreamResponse:
        cid = request.match_info["channel_id"]
        channel = self._channels.get(cid, {})
        recipient = channel.get("_recipient")
        if recipient is not None and recipient in self._closed_dms:
            return _error(403, "Cannot send messages to this user", 50007)
        body = request[_BODY] or {}
        if (bad := self._validate_message(body, request[_FILES])) is not None:
            return bad
        if (bad := self._validate_nonce(body)) is not None:
            return bad
        if (first := self._same_nonce(body)) is not None:
            return _json_response(self._public(first))
        guild_id = channel.get("guild_id")
        msg = message_object(
            message_id=self._snowflake(),
            channel_id=cid,
            author=self.bot_user,
            content=body.get("content") or "",
            guild_id=guild_id,
            member=(
                {k: v for k, v in member_object(self.bot_user).items() if k != "user"}
                if guild_id
                else None
            ),
            embeds=body.get("embeds") or [],
            components=body.get("components") or [],
            attachments=self._attachments(request[_FILES], body),
            flags=int(body.get("flags") or 0),
            tts=bool(body.get("tts", False)),
            nonce=body.get("nonce"),
            message_reference=body.get("message_reference"),
        )
        self._messages[msg["id"]] = msg
        self._sent.append(msg)
        if body.get("enforce_nonce") and body.get("nonce") is not None:
            key = (str(self.bot_user["id"]), str(body["nonce"]))
            self._nonces[key] = (msg["id"], self._monotonic())
        return _json_response(msg)

    @staticmethod
    def _validate_nonce(body: Any) -> web.Response | None:
        """A nonce is an integer or a string of up to 25 characters."""
        nonce = body.get("nonce") if isinstance(body, Mapping) else None
        if nonce is None or isinstance(nonce, int) or (isinstance(nonce, str) and len(nonce) <= 25):
            return None
        return _error(400, "Invalid Form Body", 50035, errors={"nonce": "BASE_TYPE_MAX_LENGTH"})

    def _same_nonce(self, body: Any) -> dict[str, Any] | None:
        """With ``enforce_nonce``, the message this author created with the same nonce in
        the past few minutes: Discord returns it instead of creating another."""
        if not (isinstance(body, Mapping) and body.get("enforce_nonce")):
            return None
        if body.get("nonce") is None:
            return None
        found = self._nonces.get((str(self.bot_user["id"]), str(body["nonce"])))
        if found is None or self._monotonic() - found[1] > self.nonce_window:
            return None
        return self._messages.get(found[0])

    async def _get_message(self, request: web.Request) -> web.StreamResponse:
        msg = self._messages.get(request.match_info["message_id"])
        if msg is None or msg["channel_id"] != request.match_info["channel_id"]:
            return _error(404, "Unknown Message", 10008)
        return _json_response(self._public(msg))

    def _edit(self, msg: dict[str, Any], body: Any, files: Sequence[str]) -> None:
        if not isinstance(body, Mapping):
            return
        for key in ("content", "embeds", "components", "flags", "allowed_mentions"):
            if key in body and key != "allowed_mentions":
                value = body[key]
                if key == "flags":
                    # keep EPHEMERAL (64) and LOADING (128) semantics out of user edits
                    value = int(value or 0) | (int(msg.get("flags", 0)) & 64)
                msg[key] = value if value is not None else ([] if key != "content" else "")
        if "attachments" in body or files:
            keep = [
                a
                for a in msg.get("attachments", [])
                if any(
                    str(b.get("id")) == a["id"]
                    for b in body.get("attachments") or []
                    if isinstance(b, Mapping)
                )
            ]
            msg["attachments"] = keep + self._attachments(files, body)
        msg["edited_timestamp"] = _now_iso()

    async def _patch_message(self, request: web.Request) -> web.StreamResponse:
        msg = self._messages.get(request.match_info["message_id"])
        if msg is None or msg["channel_id"] != request.match_info["channel_id"]:
            return _error(404, "Unknown Message", 10008)
        if msg["author"]["id"] != str(self.bot_user_id):
            return _error(403, "Cannot edit a message authored by another user", 50005)
        self._edit(msg, request[_BODY], request[_FILES])
        return _json_response(self._public(msg))

    async def _delete_message(self, request: web.Request) -> web.StreamResponse:
        msg = self._messages.get(request.match_info["message_id"])
        if msg is None or msg["channel_id"] != request.match_info["channel_id"]:
            return _error(404, "Unknown Message", 10008)
        msg["_deleted"] = True
        return web.Response(status=204)

    # -- handlers: interactions & webhooks --------------------------------------------

    def _interaction_message(
        self, st: _InteractionState, body: Mapping[str, Any], *, flags: int, files: Sequence[str]
    ) -> dict[str, Any]:
        msg = message_object(
            message_id=self._snowflake(),
            channel_id=st.channel_id or "0",
            author=self.bot_user,
            content=body.get("content") or "",
            guild_id=st.guild_id,
            embeds=body.get("embeds") or [],
            components=body.get("components") or [],
            attachments=self._attachments(files, body),
            flags=flags,
            tts=bool(body.get("tts", False)),
            webhook_id=self.application_id,
            application_id=self.application_id,
        )
        msg["_token"] = st.token
        return msg

    async def _interaction_callback(self, request: web.Request) -> web.StreamResponse:
        iid = request.match_info["interaction_id"]
        token = request.match_info["interaction_token"]
        body = request[_BODY]
        st = self._interactions.get(iid)
        if st is None:
            # not dispatched through the fake: accept, with what we can infer
            st = _InteractionState(iid, token, 2, None, None, None, time.monotonic())
            self._interactions[iid] = st
            self._interactions_by_token[token] = st
        if st.token != token:
            return _error(401, "Invalid interaction token", 50027)
        if self.interaction_timeout is not None and (
            time.monotonic() - st.dispatched_at > self.interaction_timeout
        ):
            return _error(404, "Unknown interaction", 10062)
        if st.responded:
            return _error(400, "Interaction has already been acknowledged.", 40060)
        if not isinstance(body, Mapping) or "type" not in body:
            return _error(400, "Invalid Form Body", 50035, errors={"type": "required"})
        rtype = int(body["type"])
        data = body.get("data") if isinstance(body.get("data"), Mapping) else None
        data = dict(data) if data is not None else None
        if rtype == 4:
            bad = self._validate_message(data or {}, request[_FILES])
            if bad is not None:
                return bad
        if rtype == 9 and (problem := _modal_problem(data or {})) is not None:
            return _error(400, "Invalid Form Body", 50035, errors=problem)
        st.responded = True
        st.response_type = rtype
        flags = int((data or {}).get("flags") or 0)
        resource: dict[str, Any] = {"type": rtype}
        message: dict[str, Any] | None = None
        if rtype == 4:
            message = self._interaction_message(st, data or {}, flags=flags, files=request[_FILES])
        elif rtype == 5:
            message = self._interaction_message(st, {}, flags=(flags & 64) | 128, files=())
            st.loading = True
        elif rtype == 7 and st.message_id is not None and st.message_id in self._messages:
            message = self._messages[st.message_id]
            self._edit(message, data or {}, request[_FILES])
        elif rtype == 6 and st.message_id is not None:
            st.original_id = st.message_id
        if message is not None:
            self._messages[message["id"]] = message
            st.original_id = message["id"]
            resource["message"] = self._public(message)
        self._interaction_responses.append(
            InteractionResponse(interaction_id=iid, token=token, type=rtype, data=data, status=200)
        )
        if request.query.get("with_response") not in ("1", "true", "True"):
            return web.Response(status=204)
        interaction: dict[str, Any] = {
            "id": iid,
            "type": st.type,
            "response_message_loading": rtype == 5,
            "response_message_ephemeral": bool(flags & 64),
        }
        if message is not None:
            interaction["response_message_id"] = message["id"]
        return _json_response({"interaction": interaction, "resource": resource})

    def _webhook_state(self, request: web.Request) -> _InteractionState | web.Response:
        st = self._interactions_by_token.get(request.match_info["webhook_token"])
        if request.match_info["webhook_id"] != str(self.application_id) or st is None:
            return _error(404, "Unknown Webhook", 10015)
        if not st.responded:
            return _error(404, "Unknown Webhook", 10015)
        return st

    async def _webhook_execute(self, request: web.Request) -> web.StreamResponse:
        st = self._webhook_state(request)
        if isinstance(st, web.Response):
            return st
        body = request[_BODY] or {}
        if (bad := self._validate_message(body, request[_FILES])) is not None:
            return bad
        flags = int(body.get("flags") or 0)
        if st.loading and st.original_id is not None:
            # the first follow-up after a deferral replaces the "thinking" message
            msg = self._messages[st.original_id]
            self._edit(msg, {**body, "flags": flags}, request[_FILES])
            msg["flags"] = int(msg.get("flags", 0)) & ~128
            st.loading = False
        else:
            msg = self._interaction_message(st, body, flags=flags, files=request[_FILES])
            self._messages[msg["id"]] = msg
        self._followups.append(msg)
        if request.query.get("wait") in ("1", "true", "True"):
            return _json_response(self._public(msg))
        return web.Response(status=204)

    def _webhook_message(
        self, request: web.Request
    ) -> tuple[_InteractionState, dict[str, Any]] | web.Response:
        st = self._webhook_state(request)
        if isinstance(st, web.Response):
            return st
        mid = request.match_info["message_id"]
        if mid == "@original":
            if st.original_id is None:
                return _error(404, "Unknown Message", 10008)
            mid = st.original_id
        msg = self._messages.get(mid)
        if msg is None or msg.get("_deleted"):
            return _error(404, "Unknown Message", 10008)
        return st, msg

    async def _webhook_get_message(self, request: web.Request) -> web.StreamResponse:
        found = self._webhook_message(request)
        if isinstance(found, web.Response):
            return found
        return _json_response(self._public(found[1]))

    async def _webhook_edit_message(self, request: web.Request) -> web.StreamResponse:
        found = self._webhook_message(request)
        if isinstance(found, web.Response):
            return found
        st, msg = found
        self._edit(msg, request[_BODY], request[_FILES])
        if msg["id"] == st.original_id and st.loading:
            msg["flags"] = int(msg.get("flags", 0)) & ~128
            st.loading = False
        return _json_response(self._public(msg))

    async def _webhook_delete_message(self, request: web.Request) -> web.StreamResponse:
        found = self._webhook_message(request)
        if isinstance(found, web.Response):
            return found
        found[1]["_deleted"] = True
        return web.Response(status=204)
