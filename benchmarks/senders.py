"""Direct senders for the benchmarks: the real SDK clients (PTB ``Bot``, slack-sdk
``AsyncWebClient``) and plain aiohttp for the Discord stand-in, mapped onto core's
delivery errors exactly as an adapter would. Each records when and how fast it sent."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import aiohttp

from core.delivery import RateLimited, TransientFailure, Unreachable
from core.identity import Platform, PlatformAccount
from core.messages import Reply


@dataclass
class Record:
    """Acceptance times (perf_counter) and round trips of successful sends."""

    accepted: list[float] = field(default_factory=list)
    round_trips: list[float] = field(default_factory=list)
    by_scope: dict[str, list[float]] = field(default_factory=dict)

    def ok(self, started: float, scope: str = "") -> None:
        now = time.perf_counter()
        self.accepted.append(now)
        self.round_trips.append(now - started)
        self.by_scope.setdefault(scope, []).append(now)


def seconds(value: Any) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class TelegramBotSender:
    """python-telegram-bot's ``Bot`` behind our pacing."""

    platform = Platform("telegram")

    def __init__(self, bot: Any) -> None:
        self.bot = bot
        self.record = Record()

    async def send(self, account: PlatformAccount, reply: Reply) -> None:
        from telegram.error import Forbidden, NetworkError, RetryAfter

        started = time.perf_counter()
        try:
            await self.bot.send_message(chat_id=int(account.user_id), text=reply.plain())
        except RetryAfter as exc:  # Telegram doesn't say which limit: pause the bot
            raise RateLimited(seconds(exc.retry_after)) from exc
        except Forbidden as exc:
            raise Unreachable(str(exc)) from exc
        except NetworkError as exc:
            raise TransientFailure(str(exc)) from exc
        self.record.ok(started)


class SlackWebSender:
    """slack-sdk's ``AsyncWebClient``, one per workspace, behind our pacing."""

    platform = Platform("slack")

    def __init__(self, clients: dict[str, Any]) -> None:
        self.clients = clients  # team id -> AsyncWebClient
        self.record = Record()

    async def send(self, account: PlatformAccount, reply: Reply) -> None:
        from slack_sdk.errors import SlackApiError

        started = time.perf_counter()
        try:
            await self.clients[account.workspace].chat_postMessage(
                channel=account.user_id, text=reply.plain()
            )
        except SlackApiError as exc:
            error = exc.response.get("error", "")
            if exc.response.status_code == 429:
                retry = float(exc.response.headers.get("Retry-After", 1))
                raise RateLimited(retry) from exc  # "": the whole workspace
            if error in {
                "account_inactive",
                "user_not_found",
                "channel_not_found",
                "user_disabled",
                "not_in_channel",
            }:
                raise Unreachable(error) from exc
            raise TransientFailure(error or str(exc)) from exc
        except aiohttp.ClientError as exc:
            raise TransientFailure(str(exc)) from exc
        self.record.ok(started, account.workspace)


class DiscordHttpSender:
    """Discord's REST API over aiohttp: open the DM channel once, then post to it."""

    platform = Platform("discord")

    def __init__(self, session: aiohttp.ClientSession, base_url: str, token: str) -> None:
        self.session = session
        self.base_url = base_url.rstrip("/")
        self.headers = {"Authorization": f"Bot {token}"}
        self.channels: dict[str, str] = {}
        self.record = Record()
        self.dm_opened = 0

    def opens_conversation(self, account: PlatformAccount) -> bool:
        return account.user_id not in self.channels

    async def _post(self, path: str, body: dict[str, Any], scope: str) -> dict[str, Any]:
        async with self.session.post(
            f"{self.base_url}{path}", json=body, headers=self.headers
        ) as response:
            data: dict[str, Any] = await response.json(content_type=None)
            if response.status == 429:
                raise RateLimited(
                    float(data.get("retry_after", 1)), "" if data.get("global") else scope
                )
            if response.status == 403 and data.get("code") == 50007:
                raise Unreachable(str(data.get("message")))
            if response.status >= 400:
                raise TransientFailure(f"{response.status} {data}")
            return data

    async def send(self, account: PlatformAccount, reply: Reply) -> None:
        started = time.perf_counter()
        scope = f"discord:{account.user_id}"
        kind = "known"  # by_scope: sends to a known DM channel, or those that opened one
        try:
            channel = self.channels.get(account.user_id)
            if channel is None:
                kind = "new-dm"
                opened = await self._post(
                    "/users/@me/channels", {"recipient_id": account.user_id}, "discord:new-dm"
                )
                channel = self.channels[account.user_id] = str(opened["id"])
                self.dm_opened += 1
            await self._post(f"/channels/{channel}/messages", {"content": reply.plain()}, scope)
        except aiohttp.ClientError as exc:
            raise TransientFailure(str(exc)) from exc
        self.record.ok(started, kind)
