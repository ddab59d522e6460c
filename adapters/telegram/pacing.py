"""Keeping under Telegram's flood limits before we hit them.

Telegram allows about 30 messages per second overall and about one per second in a
chat (short bursts are tolerated), and about 20 per minute in a group. A 429 names no
scope, so after one we hold back only the chat it came from.

This is a small, self-contained pacer for one process. A shared pacing module may replace
it later; the adapter only needs :meth:`Pacer.wait` and :meth:`Pacer.hold`.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable


class _Gcra:
    """Generic cell rate algorithm: one event per ``interval``, ``burst`` at once.

    ``reserve`` books the next slot and says how long to wait for it, so concurrent callers
    get distinct slots without a lock.
    """

    __slots__ = ("burst", "interval", "tat")

    def __init__(self, interval: float, burst: int) -> None:
        self.interval = interval
        self.burst = max(1, burst)
        self.tat = 0.0  # theoretical arrival time of the next event

    def reserve(self, now: float) -> float:
        tat = max(self.tat, now)
        allowed_at = tat - (self.burst - 1) * self.interval
        self.tat = tat + self.interval
        return max(0.0, allowed_at - now)

    def hold_until(self, moment: float) -> None:
        self.tat = max(self.tat, moment + (self.burst - 1) * self.interval)

    def idle(self, now: float) -> bool:
        return self.tat <= now


class Pacer:
    """Waits before each send so that a chat gets at most one message per
    ``chat_interval`` (``group_interval`` for groups, whose ids are negative) after a burst
    of ``chat_burst``, and everything together at most ``global_rate`` per second.

    ``clock`` and ``sleep`` are injectable so tests need no real time.
    """

    def __init__(
        self,
        *,
        global_rate: float = 29.0,
        chat_interval: float = 1.0,
        chat_burst: int = 3,
        group_interval: float = 3.0,
        max_chats: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._global = _Gcra(1.0 / global_rate, 1) if global_rate > 0 else None
        self._chat_interval = chat_interval
        self._chat_burst = chat_burst
        self._group_interval = group_interval
        self._chats: OrderedDict[int, _Gcra] = OrderedDict()
        self._max_chats = max_chats
        self._clock = clock
        self._sleep = sleep

    @classmethod
    def unlimited(cls) -> Pacer:
        """No pacing at all (tests, or a self-hosted Bot API server without limits)."""
        return cls(global_rate=0, chat_interval=0, group_interval=0)

    async def wait(self, chat_id: int) -> None:
        """Return when a message to ``chat_id`` may be sent."""
        delay = self._chat(chat_id).reserve(self._clock())
        if delay > 0:
            await self._sleep(delay)
        if self._global is not None:
            delay = self._global.reserve(self._clock())
            if delay > 0:
                await self._sleep(delay)

    def hold(self, chat_id: int, seconds: float) -> None:
        """Telegram said 429 for ``chat_id``: nothing more to it for ``seconds``."""
        self._chat(chat_id).hold_until(self._clock() + seconds)

    def _chat(self, chat_id: int) -> _Gcra:
        bucket = self._chats.get(chat_id)
        if bucket is None:
            interval = self._group_interval if chat_id < 0 else self._chat_interval
            bucket = self._chats[chat_id] = _Gcra(interval, self._chat_burst)
            self._forget_idle()
        else:
            self._chats.move_to_end(chat_id)
        return bucket

    def _forget_idle(self) -> None:
        """Bounded memory: drop the least recently used chats that have nothing booked."""
        now = self._clock()
        while len(self._chats) > self._max_chats:
            chat_id, bucket = next(iter(self._chats.items()))
            if not bucket.idle(now):
                break
            del self._chats[chat_id]
