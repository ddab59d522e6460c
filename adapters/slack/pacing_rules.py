"""Slack's limits for posting as the core pacer's rules (no SDK needed to read them)."""

from __future__ import annotations

from adapters.slack.settings import SLACK
from core.pacing import PlatformPacing, Rate


def pacing(*, workspace_per_minute: float = 500.0) -> PlatformPacing:
    """``chat.postMessage``: about one message a second per channel, and an unpublished cap
    per workspace (one vendor self-limits to 525/min); smooth buckets, no bursts."""
    return PlatformPacing(
        SLACK,
        workspace_rate=Rate.per_minute(workspace_per_minute),
        conversation_rate=Rate(1.0),
    )
