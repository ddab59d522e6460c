"""Sending: direct messages through the paced ``chat.postMessage``, answers through
``response_url``, and Slack errors translated into the core's delivery outcomes.

Every post draws on the process's one :class:`~core.pacing.Pacer` (the outbox's too), in
the scopes :mod:`adapters.slack.pacing_rules` declares: the workspace, and the
conversation — a DM named by the person's user id, as the outbox names it, so a reply
and a delivery to one person share its budget.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.slack.render import SlackMessage
from core.delivery import DeliveryError, RateLimited, TransientFailure, Unreachable
from core.messages import Attachment
from core.pacing import Pacer, PlatformPacing, Scope

log = logging.getLogger(__name__)

# The person can't get a DM from us (gone, deactivated, a bot, or no such user).
UNREACHABLE_ERRORS = frozenset(
    {
        "account_inactive",
        "user_not_found",
        "users_not_found",
        "channel_not_found",
        "cannot_dm_bot",
        "user_disabled",
        "user_not_visible",
        "is_archived",
    }
)
NETWORK_ERRORS = (aiohttp.ClientError, asyncio.TimeoutError, OSError)
# The message metadata event type our outbox messages carry their key in.
OUTBOX_EVENT = "mentorhub_outbox_message"
HISTORY_PAGES = 20  # pages of conversations.history read while looking for a key, at most


def keyed_metadata(key: str) -> dict[str, Any]:
    """Message metadata naming the outbox key a message was sent for (see ``find_keyed``)."""
    return {"event_type": OUTBOX_EVENT, "event_payload": {"key": key}}


class MissingScope(TransientFailure):
    """The app lacks a scope this call needs; retried like other failures, but a caller
    with a way around it (the pair space: plain DMs) can tell."""


def delivery_error(exc: SlackApiError, *, team: str, channel: str) -> DeliveryError:
    """What a failed Web API call means for a delivery.

    429 → RateLimited for this channel (Slack's Retry-After, default 1 s); a gone or
    undeliverable recipient → Unreachable; anything else (5xx, a bad token, invalid blocks)
    → TransientFailure, so the outbox backs off and eventually gives up, logged.
    """
    response: Any = exc.response
    status = getattr(response, "status_code", None) or getattr(response, "status", 0)
    error = error_code(response)
    if status == 429 or error == "ratelimited":
        return RateLimited(_retry_after(response), scope=f"slack:{team}:{channel}")
    if error in UNREACHABLE_ERRORS:
        return Unreachable(f"slack: {error}")
    if error == "missing_scope":
        return MissingScope(f"slack: HTTP {status} missing_scope")
    return TransientFailure(f"slack: HTTP {status} {error or 'no error code'}")


class Poster:
    """``chat.postMessage`` with pacing and error translation; ``conversations.open`` too."""

    def __init__(self, client: AsyncWebClient, pacer: Pacer, pacing: PlatformPacing) -> None:
        self._client = client
        self._pacer = pacer  # the process's one pacer, shared with the outbox
        self._pacing = pacing

    async def post(
        self,
        team: str,
        channel: str,
        message: SlackMessage,
        *,
        max_wait: float,
        conversation: str | None = None,
        paced: bool = False,
        metadata: dict[str, Any] | None = None,
    ) -> str:
        """Post ``message``; returns its ts. ``conversation`` is the pacer's name for the
        channel: the user's id for their DM (as the outbox names it), else the channel id.
        ``metadata``: message metadata to post with it (e.g. :func:`keyed_metadata`).

        Waits up to ``max_wait`` s for its pacing turn, else raises RateLimited. ``paced``:
        the caller (the outbox) took this post's tokens already, so it only waits out a
        429's pause. A 429 pauses the conversation it came from, for everyone sending there.
        """
        conversation = conversation or channel
        scopes = self._pacing.scopes_for(team, conversation)
        if paced:
            ready = await self._pacer.wait_out_pauses(scopes, give_up_after=max_wait)
        else:
            ready = await self._pacer.acquire(scopes, give_up_after=max_wait)
        if not ready:
            slowest = max(scopes, key=lambda scope: self._pacer.wait_time([scope]))
            raise RateLimited(self._pacer.wait_time(scopes), scope=slowest.name)
        try:
            response = await self._client.chat_postMessage(
                channel=channel, metadata=metadata, **message.as_kwargs()
            )
        except SlackApiError as exc:
            raise self._failed(exc, team, channel, scopes[-1]) from exc
        except (*NETWORK_ERRORS, SlackClientError) as exc:
            raise TransientFailure(f"slack: {type(exc).__name__}") from exc
        return str(response.get("ts", ""))

    async def find_keyed(self, team: str, channel: str, key: str, *, oldest: float) -> bool:
        """Whether ``channel`` holds a message posted since ``oldest`` (a Unix time) with
        :func:`keyed_metadata` naming ``key``: ``conversations.history`` with
        ``include_all_metadata`` (the DM's history needs ``im:history``). Raises a
        DeliveryError when Slack can't be asked, or the history is longer than we read."""
        cursor = ""
        for _ in range(HISTORY_PAGES):
            try:
                response = await self._client.conversations_history(
                    channel=channel,
                    oldest=f"{oldest:.6f}",
                    include_all_metadata=True,
                    limit=100,
                    cursor=cursor or None,
                )
            except SlackApiError as exc:
                raise delivery_error(exc, team=team, channel=channel) from exc
            except (*NETWORK_ERRORS, SlackClientError) as exc:
                raise TransientFailure(f"slack: {type(exc).__name__}") from exc
            if any(_tagged(message, key) for message in response.get("messages") or []):
                return True
            metadata = response.get("response_metadata") or {}
            cursor = metadata.get("next_cursor") or "" if isinstance(metadata, dict) else ""
            if not response.get("has_more") or not cursor:
                return False
        raise TransientFailure(f"slack: more than {HISTORY_PAGES} pages of history to read")

    def _failed(
        self, exc: SlackApiError, team: str, channel: str, conversation: Scope
    ) -> DeliveryError:
        """A refused post or upload as a delivery outcome. A 429 pauses the conversation
        (posting is limited per channel): the workspace's other conversations go on."""
        error = delivery_error(exc, team=team, channel=channel)
        if isinstance(error, RateLimited):
            self._pacer.pause(conversation, error.retry_after)
            error = RateLimited(error.retry_after, scope=conversation.name)
        return error

    async def upload(
        self,
        team: str,
        channel: str,
        file: Attachment,
        *,
        max_wait: float,
        conversation: str | None = None,
    ) -> None:
        """Share ``file`` in ``channel`` by Slack's external upload flow (the SDK's
        ``files_upload_v2``: ``files.getUploadURLExternal``, the bytes POSTed to the URL it
        returns, ``files.completeUploadExternal`` with ``channel_id``). Needs the
        ``files:write`` scope. The shared file is a message of its own: it takes a pacing
        turn in the conversation, as a post does."""
        scopes = self._pacing.scopes_for(team, conversation or channel)
        if not await self._pacer.acquire(scopes, give_up_after=max_wait):
            raise RateLimited(self._pacer.wait_time(scopes), scope=scopes[-1].name)
        try:
            await self._client.files_upload_v2(
                channel=channel, filename=file.filename, title=file.filename, content=file.data
            )
        except SlackApiError as exc:
            raise self._failed(exc, team, channel, scopes[-1]) from exc
        except (*NETWORK_ERRORS, SlackClientError) as exc:  # incl. a refused upload
            raise TransientFailure(f"slack: file upload: {type(exc).__name__}") from exc

    async def open_dm(self, team: str, user_id: str) -> str:
        """The id of our direct-message channel with ``user_id``."""
        return await self.open_conversation(team, (user_id,))

    async def open_conversation(self, team: str, user_ids: tuple[str, ...]) -> str:
        """The id of our DM with one user, or of the group DM of several users and us."""
        users = ",".join(user_ids)
        try:
            response = await self._client.conversations_open(users=users)
        except SlackApiError as exc:
            raise delivery_error(exc, team=team, channel=users) from exc
        except (*NETWORK_ERRORS, SlackClientError) as exc:
            raise TransientFailure(f"slack: {type(exc).__name__}") from exc
        channel = response.get("channel")
        channel_id = channel.get("id") if isinstance(channel, dict) else None
        if not isinstance(channel_id, str) or not channel_id:
            raise TransientFailure("slack: conversations.open returned no channel")
        return channel_id


async def respond(
    url: str,
    message: SlackMessage,
    *,
    replace_original: bool = False,
    session: aiohttp.ClientSession | None = None,
) -> bool:
    """Answer through a ``response_url`` (no token, no channel membership needed).

    New answers are ephemeral: only the person who acted sees them. Returns False when
    Slack refused (a response_url takes 5 answers within 30 minutes) or the network failed.
    """
    client = AsyncWebhookClient(url, session=session)
    options: dict[str, Any] = {"replace_original": replace_original}
    if not replace_original:
        options["response_type"] = "ephemeral"
    try:
        response = await client.send(text=message.text, blocks=list(message.blocks), **options)
    except NETWORK_ERRORS as exc:
        log.warning("response_url post failed: %s", type(exc).__name__)
        return False
    if response.status_code != 200:
        log.warning("response_url post refused: HTTP %s %s", response.status_code, response.body)
        return False
    return True


def _tagged(message: Any, key: str) -> bool:
    metadata = message.get("metadata") if isinstance(message, dict) else None
    if not isinstance(metadata, dict) or metadata.get("event_type") != OUTBOX_EVENT:
        return False
    payload = metadata.get("event_payload")
    return isinstance(payload, dict) and payload.get("key") == key


def error_code(response: Any) -> str:
    """Slack's ``error`` field of a Web API answer; "" when there is none."""
    try:
        error = response.get("error")
    except (AttributeError, TypeError, ValueError):
        return ""
    return error if isinstance(error, str) else ""


def _retry_after(response: Any) -> float:
    headers = getattr(response, "headers", None) or {}
    raw = None
    for name in ("Retry-After", "retry-after"):
        raw = headers.get(name) if hasattr(headers, "get") else None
        if raw is not None:
            break
    if isinstance(raw, list):  # slack_sdk keeps some headers as lists
        raw = raw[0] if raw else None
    try:
        return max(1.0, float(raw)) if raw is not None else 1.0
    except (TypeError, ValueError):
        return 1.0
