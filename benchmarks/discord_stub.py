"""A minimal Discord REST stand-in for the fan-out benchmark (127.0.0.1 only).

Only what sending a DM needs: ``POST /api/v10/users/@me/channels`` (open a DM) and
``POST /api/v10/channels/{id}/messages``. Limits as Discord applies them: 50 requests per
rolling second for the bot (a 429 with ``"global": true``), and a per-channel bucket of 5
messages per 5 s (``"global": false``). 429 bodies carry ``retry_after`` and a ``Via``
header, as Discord's do. A server-side ``rtt`` delays every answer.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import deque
from typing import Any

from aiohttp import web


class _Window:
    def __init__(self, limit: int, seconds: float) -> None:
        self.limit, self.seconds = limit, seconds
        self.stamps: deque[float] = deque()

    def retry_after(self, now: float) -> float | None:
        while self.stamps and self.stamps[0] <= now - self.seconds:
            self.stamps.popleft()
        if len(self.stamps) < self.limit:
            return None
        return max(0.001, self.stamps[0] + self.seconds - now)

    def add(self, now: float) -> None:
        self.stamps.append(now)


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(
        body=json.dumps(data).encode(),
        status=status,
        content_type="application/json",
        headers=headers,
    )


class DiscordStub:
    def __init__(
        self,
        *,
        rtt: float = 0.15,
        global_rate: int = 50,
        channel_limit: int = 5,
        channel_seconds: float = 5.0,
    ) -> None:
        self.rtt = rtt
        self.global_window = _Window(global_rate, 1.0)
        self.channel_limit, self.channel_seconds = channel_limit, channel_seconds
        self.channel_windows: dict[str, _Window] = {}
        self.channels_of: dict[str, str] = {}
        self.users_of: dict[str, str] = {}
        self.messages: list[tuple[str, str]] = []  # (channel, content)
        self.dms_opened = 0
        self.rejected_429 = 0
        self.blocked: set[str] = set()
        self._ids = itertools.count(500_000_000_000_000_000)
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    async def __aenter__(self) -> DiscordStub:
        app = web.Application()
        app.router.add_post("/api/v10/users/@me/channels", self._open_dm)
        app.router.add_post("/api/v10/channels/{channel}/messages", self._message)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def preopen(self, users: list[str]) -> dict[str, str]:
        """DM channels opened before the measurement (outside the rate limits)."""
        for user in users:
            if user not in self.channels_of:
                channel = self.channels_of[user] = str(next(self._ids))
                self.users_of[channel] = user
        return {user: self.channels_of[user] for user in users}

    def _limited(self, retry_after: float, is_global: bool) -> web.Response:
        self.rejected_429 += 1
        return _json(
            {
                "message": "You are being rate limited.",
                "retry_after": round(retry_after, 3),
                "global": is_global,
            },
            status=429,
            headers={"Via": "1.1 google", "Retry-After": str(int(retry_after) + 1)},
        )

    def _check_global(self) -> web.Response | None:
        now = time.monotonic()
        wait = self.global_window.retry_after(now)
        if wait is not None:
            return self._limited(wait, True)
        self.global_window.add(now)
        return None

    async def _open_dm(self, request: web.Request) -> web.Response:
        body = await request.json()
        await asyncio.sleep(self.rtt)
        if (limited := self._check_global()) is not None:
            return limited
        user = str(body["recipient_id"])
        channel = self.channels_of.get(user)
        if channel is None:
            channel = self.channels_of[user] = str(next(self._ids))
            self.users_of[channel] = user
            self.dms_opened += 1
        return _json({"id": channel, "type": 1, "recipients": [{"id": user}]})

    async def _message(self, request: web.Request) -> web.Response:
        channel = request.match_info["channel"]
        body = await request.json()
        await asyncio.sleep(self.rtt)
        if self.users_of.get(channel) in self.blocked:
            return _json({"message": "Cannot send messages to this user", "code": 50007}, 403)
        if (limited := self._check_global()) is not None:
            return limited
        now = time.monotonic()
        window = self.channel_windows.setdefault(
            channel, _Window(self.channel_limit, self.channel_seconds)
        )
        wait = window.retry_after(now)
        if wait is not None:
            return self._limited(wait, False)
        window.add(now)
        self.messages.append((channel, str(body.get("content", ""))))
        return _json(
            {"id": str(next(self._ids)), "channel_id": channel, "content": body["content"]}
        )
