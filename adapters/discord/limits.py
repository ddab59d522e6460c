"""Small bounded bookkeeping for the Discord adapter: the DM-channel cache and new-DM budget."""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Callable, Hashable
from datetime import datetime, timedelta
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class BoundedCache(Generic[K, V]):
    """A least-recently-used map (DM channel ids by user id)."""

    def __init__(self, capacity: int = 50_000) -> None:
        self._capacity = capacity
        self._items: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        if len(self._items) > self._capacity:
            self._items.popitem(last=False)

    def pop(self, key: K) -> None:
        self._items.pop(key, None)

    def __len__(self) -> int:
        return len(self._items)


class NewDmBudget:
    """At most ``per_hour`` new DM channels opened in any rolling hour.

    Discord quarantines bots that open many DMs in a burst; messages to channels we already
    know cost nothing here. Time comes from the injected clock.
    """

    WINDOW = timedelta(hours=1)

    def __init__(self, per_hour: int, now: Callable[[], datetime]) -> None:
        if per_hour < 1:
            raise ValueError("new_dms_per_hour must be at least 1")
        self.per_hour = per_hour
        self._now = now
        self._opened: deque[datetime] = deque()

    def take(self) -> float:
        """0.0 if a new DM may be opened now (and count it), else seconds until one may."""
        now = self._now()
        while self._opened and now - self._opened[0] >= self.WINDOW:
            self._opened.popleft()
        if len(self._opened) >= self.per_hour:
            return max((self._opened[0] + self.WINDOW - now).total_seconds(), 1.0)
        self._opened.append(now)
        return 0.0
