"""The ``[slack]`` config section and the platform key. No SDK import here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from core.identity import Platform
from core.messengers import bounded

SLACK = Platform("slack")


@dataclass(frozen=True, slots=True)
class SlackConfig:
    enabled: bool = False
    mode: Literal["http", "socket"] = "http"
    bot_token_env: str = "MENTORHUB_SLACK_BOT_TOKEN"
    signing_secret_env: str = "MENTORHUB_SLACK_SIGNING_SECRET"
    app_token_env: str = "MENTORHUB_SLACK_APP_TOKEN"
    host: str = "127.0.0.1"
    port: int = bounded(3000, 1, 65535)
    path: str = "/slack/events"
    base_url: str = "https://slack.com/api/"
    workspace_messages_per_minute: int = bounded(500, 1, unit="messages a minute")
    pair_space: bool = False
    # Who may `link` a channel to a program: any "members" of that channel, or only the
    # workspace "admins" (and owners) among them (read with users:read).
    link_by: Literal["members", "admins"] = "members"


def required_secrets(config: SlackConfig) -> list[tuple[str, str]]:
    secrets = [("bot_token_env", config.bot_token_env)]
    if config.mode == "http":
        secrets.append(("signing_secret_env", config.signing_secret_env))
    else:
        secrets.append(("app_token_env", config.app_token_env))
    return secrets


def problems(config: SlackConfig) -> list[str]:
    if not config.base_url.endswith("/"):
        return ["[slack] base_url must end with '/'."]
    return []
