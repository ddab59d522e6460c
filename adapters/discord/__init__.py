"""The Discord adapter: ``/mentor`` slash commands in servers, buttons, modals and DMs.

``DiscordMessenger`` (adapter.py) runs discord.py inside mentorhub"s loop; the pure parts
are ``commands`` (registry -> command JSON), ``translate`` (interaction -> hub call) and
``render`` (reply -> message JSON).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from adapters.discord.pacing_rules import DISCORD

if TYPE_CHECKING:
    from adapters.discord.adapter import DiscordMessenger, DiscordSettings, intents, invite_url

__all__ = ["DISCORD", "DiscordMessenger", "DiscordSettings", "intents", "invite_url"]


def __getattr__(name: str) -> Any:
    # The SDK is imported with the messenger, not with the pacing rules every process reads.
    if name in __all__:
        from adapters.discord import adapter

        return getattr(adapter, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
