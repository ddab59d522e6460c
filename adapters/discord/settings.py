"""The ``[discord]`` config section and the platform key. No SDK import here."""

from __future__ import annotations

from dataclasses import dataclass

from core.identity import Platform

DISCORD = Platform("discord")
DISCORD_API = "https://discord.com/api/v10"
DISCORD_GATEWAY = "wss://gateway.discord.gg/"


@dataclass(frozen=True, slots=True)
class DiscordConfig:
    enabled: bool = False
    token_env: str = "MENTORHUB_DISCORD_TOKEN"
    guild_ids: tuple[int, ...] = ()
    sync_global: bool = False
    new_dms_per_hour: int = 60
    api_base: str = DISCORD_API  # REST, with the API version; a proxy or a stand-in
    gateway_url: str = DISCORD_GATEWAY  # where the first gateway connection goes
    # The privileged Server Members intent (enable it in the Developer Portal as well): a
    # member who leaves the server has their account marked gone.
    track_members: bool = False


def required_secrets(config: DiscordConfig) -> list[tuple[str, str]]:
    return [("token_env", config.token_env)]


def notes(config: DiscordConfig) -> list[str]:
    if config.sync_global and config.guild_ids:
        return [
            "[discord] sync_global = true registers the commands in every server; the "
            "guild_ids' copies are removed, or each command would show twice there."
        ]
    return []


def problems(config: DiscordConfig) -> list[str]:
    found = []
    if config.new_dms_per_hour < 1:
        found.append("[discord] new_dms_per_hour must be at least 1.")
    if not config.api_base.startswith(("https://", "http://")) or config.api_base.endswith("/"):
        found.append(
            f"[discord] api_base must be an http(s) URL without a trailing '/', like "
            f"{DISCORD_API!r}; got {config.api_base!r}."
        )
    if not config.gateway_url.startswith(("wss://", "ws://")):
        found.append(
            f"[discord] gateway_url must be a ws(s) URL, like {DISCORD_GATEWAY!r}; "
            f"got {config.gateway_url!r}."
        )
    return found
