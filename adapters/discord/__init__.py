"""The Discord adapter: ``/mentor`` slash commands in servers, buttons, modals and DMs.

``DiscordMessenger`` (adapter.py) runs discord.py inside mentorhub's loop; the pure parts
are ``commands`` (registry -> command JSON), ``translate`` (interaction -> core inbound)
and ``render`` (reply -> message JSON); ``settings`` is the ``[discord]`` config section.
This module declares the messenger (:data:`MESSENGER`) without importing the SDK.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from adapters.discord import pacing_rules
from adapters.discord.settings import DISCORD, DiscordConfig, notes, problems, required_secrets
from core.messengers import MessengerDeps, MessengerKind
from core.pacing import PlatformPacing

if TYPE_CHECKING:
    from core.delivery import Messenger


def pacing(config: DiscordConfig) -> PlatformPacing:
    return pacing_rules.pacing(new_dms_per_hour=config.new_dms_per_hour)


def build(config: DiscordConfig, deps: MessengerDeps) -> Messenger:
    from adapters.discord.adapter import DiscordMessenger, DiscordSettings

    return DiscordMessenger(
        deps.hub,
        token=deps.secret(config.token_env),
        settings=DiscordSettings(
            guild_ids=config.guild_ids,
            sync_global=config.sync_global,
            new_dms_per_hour=config.new_dms_per_hour,
            api_base=config.api_base,
            gateway_url=config.gateway_url,
            track_members=config.track_members,
        ),
        pacer=deps.pacer,
        pacing=pacing(config),
    )


MESSENGER = MessengerKind(
    platform=DISCORD,
    section="discord",
    settings=DiscordConfig,
    build=build,
    pacing=pacing,
    secrets=required_secrets,
    problems=problems,
    notes=notes,
    spaces_have_channels=True,
    space_name="server",
)


__all__ = ["DISCORD", "MESSENGER", "DiscordConfig"]
