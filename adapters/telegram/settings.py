"""The ``[telegram]`` config section and the platform key. No SDK import here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from core.identity import Platform
from core.messengers import bounded

TELEGRAM = Platform("telegram")


@dataclass(frozen=True, slots=True)
class TelegramConfig:
    enabled: bool = False
    token_env: str = "MENTORHUB_TELEGRAM_TOKEN"
    mode: Literal["polling", "webhook"] = "polling"
    base_url: str = "https://api.telegram.org/bot"
    webhook_url: str = ""
    webhook_host: str = "127.0.0.1"
    webhook_port: int = bounded(8443, 1, 65535)
    webhook_path: str = "telegram"
    webhook_secret_env: str = "MENTORHUB_TELEGRAM_WEBHOOK_SECRET"


def required_secrets(config: TelegramConfig) -> list[tuple[str, str]]:
    secrets = [("token_env", config.token_env)]
    if config.mode == "webhook":
        secrets.append(("webhook_secret_env", config.webhook_secret_env))
    return secrets


def problems(config: TelegramConfig) -> list[str]:
    if config.enabled and config.mode == "webhook" and not config.webhook_url:
        return ['[telegram] mode = "webhook" needs webhook_url (the public HTTPS URL).']
    return []
