"""The Discord adapter's new-DM budget."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from datetime import datetime, timedelta


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
