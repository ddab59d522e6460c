"""The ``[discord]`` config section and the platform key. No SDK import here."""

from __future__ import annotations

from dataclasses import dataclass

from core.identity import Platform

DISCORD = Platform("discord")


@dataclass(frozen=True, slots=True)
class DiscordConfig:
    enabled: bool = False
    token_env: str = "MENTORHUB_DISCORD_TOKEN"
    guild_ids: tuple[int, ...] = ()
    sync_global: bool = False
    new_dms_per_hour: int = 60


def required_secrets(config: DiscordConfig) -> list[tuple[str, str]]:
    return [("token_env", config.token_env)]


def problems(config: DiscordConfig) -> list[str]:
    if config.new_dms_per_hour < 1:
        return ["[discord] new_dms_per_hour must be at least 1."]
    return []
