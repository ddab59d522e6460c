"""Telegram's limits as the core pacer's rules (no SDK needed to read them)."""

from __future__ import annotations

from adapters.telegram.settings import TELEGRAM
from core.pacing import PlatformPacing, Rate, Window


def pacing(*, per_second: float = 28.0) -> PlatformPacing:
    """About 30 messages a second overall, counted in rolling one-second windows (so we
    count the same way, a couple under: round trips that vary by a few milliseconds can
    move a message into Telegram's previous window), and about one a second per chat
    (a smooth bucket, no bursts)."""
    return PlatformPacing(
        TELEGRAM, platform_rate=Window(round(per_second)), conversation_rate=Rate(1.0)
    )
