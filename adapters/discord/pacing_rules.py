"""Discord's limits as the core pacer's rules (no SDK needed to read them)."""

from __future__ import annotations

from adapters.discord.settings import DISCORD
from core.pacing import PlatformPacing, Rate, Window


def pacing(*, per_second: float = 48.0, new_dms_per_hour: float = 60.0) -> PlatformPacing:
    """50 requests a second per bot, counted in rolling one-second windows (we count the
    same way, a couple under); about one message a second per DM channel; and a small
    budget of new DM channels an hour (opening many gets a bot quarantined)."""
    if new_dms_per_hour < 1:
        raise ValueError("new_dms_per_hour must be at least 1")
    return PlatformPacing(
        DISCORD,
        platform_rate=Window(round(per_second)),
        conversation_rate=Rate(1.0),
        new_conversation_rate=Rate.per_hour(new_dms_per_hour, burst=5),
    )
