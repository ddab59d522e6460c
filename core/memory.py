"""Small bounded in-process memories every adapter (and the delivery worker) needs.

- :class:`LruCache`: a least-recently-used map with an optional time to live (DM channel
  ids, profiles, who was recently marked reachable…). Bounded, so a busy bot's memory
  stays flat however many people it meets.
- :class:`RecentKeys`: platforms redeliver (retried webhooks and events, a gateway
  dispatch replayed after a resume); a bounded memory of recent ids makes each event
  count once.
- :class:`KeyedLocks`: a person's inputs must reach the core one at a time, in order —
  two quick messages must not both answer the same dialog step.

All of them are per process. With several workers, a retry may reach another worker;
that is fine for correctness (the core is idempotent where it matters), dedupe only
saves work.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Hashable
from contextlib import asynccontextmanager
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

__all__ = ["KeyedLocks", "LruCache", "RecentKeys"]


class LruCache(Generic[K, V]):
    """At most ``capacity`` entries; the least recently used goes first. With ``ttl``, an
    entry older than ``ttl`` seconds (since it was put) counts as absent."""

    def __init__(
        self,
        capacity: int = 10_000,
        *,
        ttl: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if capacity < 1:
            raise ValueError("an LruCache needs a capacity of at least 1")
        self._capacity = capacity
        self._ttl = ttl
        self._clock = clock
        self._items: OrderedDict[K, tuple[float, V]] = OrderedDict()

    def _live(self, key: K) -> tuple[float, V] | None:
        entry = self._items.get(key)
        if entry is not None and self._ttl is not None and self._clock() - entry[0] > self._ttl:
            del self._items[key]
            return None
        return entry

    def get(self, key: K) -> V | None:
        """The value, now the most recently used; None when absent or expired."""
        entry = self._live(key)
        if entry is None:
            return None
        self._items.move_to_end(key)
        return entry[1]

    def touch(self, key: K) -> bool:
        """Whether ``key`` is present (then it becomes the most recently used)."""
        if self._live(key) is None:
            return False
        self._items.move_to_end(key)
        return True

    def put(self, key: K, value: V) -> None:
        self._items[key] = (self._clock(), value)
        self._items.move_to_end(key)
        if len(self._items) > self._capacity:
            self._items.popitem(last=False)

    def pop(self, key: K) -> V | None:
        entry = self._live(key)
        self._items.pop(key, None)
        return None if entry is None else entry[1]

    def drop(self, predicate: Callable[[K], bool]) -> None:
        """Forget every key for which ``predicate`` is true (e.g. one workspace's)."""
        for key in [k for k in self._items if predicate(k)]:
            del self._items[key]

    def __contains__(self, key: object) -> bool:
        return self._live(key) is not None  # type: ignore[arg-type]

    def __len__(self) -> int:
        return len(self._items)


class RecentKeys(Generic[K]):
    """The last ``capacity`` keys seen; the oldest (least recently seen) is forgotten first."""

    def __init__(self, capacity: int = 10_000) -> None:
        self._keys: LruCache[K, bool] = LruCache(capacity)

    def first_time(self, key: K) -> bool:
        """True (and remember it) if ``key`` was not seen recently; False if it was."""
        if self._keys.touch(key):
            return False
        self._keys.put(key, True)
        return True

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def __len__(self) -> int:
        return len(self._keys)


class KeyedLocks(Generic[K]):
    """One FIFO lock per key, dropped when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[K, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, key: K) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    def __len__(self) -> int:
        return len(self._locks)
