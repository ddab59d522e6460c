"""Pacing for ``chat.postMessage``: about one message per second per channel, and a cap per
workspace and minute under Slack's unpublished one.

Token buckets that may go into debt: ``reserve`` books a slot and says how long to wait for
it. A wait longer than the caller accepts books nothing and raises ``RateLimited``, so the
outbox tries again later instead of a delivery pass sleeping for a minute. A 429 from Slack
blocks its channel for the Retry-After it named.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from core.delivery import RateLimited


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float
    blocked_until: float = 0.0


class _Buckets:
    def __init__(self, *, rate: float, capacity: float, size: int) -> None:
        self.rate = rate
        self.capacity = capacity
        self._size = size
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def get(self, key: str, now: float) -> _Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = _Bucket(tokens=self.capacity, updated=now)
            self._buckets[key] = bucket
            if len(self._buckets) > self._size:
                self._buckets.popitem(last=False)  # the oldest is full again by now
        else:
            self._buckets.move_to_end(key)
            bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
        return bucket

    def wait(self, bucket: _Bucket, now: float) -> float:
        """Seconds until this bucket has a whole token (and is not blocked)."""
        refill = 0.0 if bucket.tokens >= 1 else (1 - bucket.tokens) / self.rate
        return max(refill, bucket.blocked_until - now)


class Pacer:
    """Per-channel and per-workspace pacing. ``clock`` is monotonic seconds (injectable)."""

    def __init__(
        self,
        *,
        workspace_per_minute: int = 500,
        channel_per_second: float = 1.0,
        channel_burst: int = 3,
        clock: Callable[[], float] = time.monotonic,
        max_channels: int = 10_000,
    ) -> None:
        # Never more than workspace_per_minute in any rolling minute: burst + 60 s of refill.
        burst = max(1, workspace_per_minute // 10)
        steady = max(workspace_per_minute - burst, 1) / 60.0
        self._channels = _Buckets(
            rate=channel_per_second, capacity=channel_burst, size=max_channels
        )
        self._teams = _Buckets(rate=steady, capacity=burst, size=1_000)
        self._clock = clock

    def reserve(self, team: str, channel: str, *, max_wait: float) -> float:
        """Book one message to ``channel``; return the seconds to wait before sending it.

        Raises RateLimited (booking nothing) when the wait would exceed ``max_wait``.
        """
        now = self._clock()
        channel_bucket = self._channels.get(f"{team}:{channel}", now)
        team_bucket = self._teams.get(team, now)
        channel_wait = self._channels.wait(channel_bucket, now)
        team_wait = self._teams.wait(team_bucket, now)
        wait = max(channel_wait, team_wait)
        if wait > max_wait:
            scope = f"slack:{team}:{channel}" if channel_wait >= team_wait else f"slack:{team}"
            raise RateLimited(wait, scope=scope)
        channel_bucket.tokens -= 1
        team_bucket.tokens -= 1
        return wait

    def block(self, team: str, channel: str, retry_after: float) -> None:
        """Slack answered 429 for ``channel``: send nothing there for ``retry_after`` s."""
        now = self._clock()
        bucket = self._channels.get(f"{team}:{channel}", now)
        bucket.blocked_until = max(bucket.blocked_until, now + retry_after)
