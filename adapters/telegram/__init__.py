"""The Telegram adapter: mentoring in private chats with a bot (python-telegram-bot 22).

``render`` and ``translate`` are pure (Reply -> HTML messages, Update -> core inbound);
``adapter`` holds the I/O: the PTB application, the webhook server and the sender;
``settings`` is the ``[telegram]`` config section. This module declares the messenger
(:data:`MESSENGER`) without importing the SDK; the factory imports it when enabled.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from adapters.telegram import pacing_rules
from adapters.telegram.settings import TELEGRAM, TelegramConfig, problems, required_secrets
from core.messengers import MessengerDeps, MessengerKind
from core.pacing import PlatformPacing

if TYPE_CHECKING:
    from core.delivery import Messenger


def pacing(config: TelegramConfig) -> PlatformPacing:
    return pacing_rules.pacing()


def build(config: TelegramConfig, deps: MessengerDeps) -> Messenger:
    from adapters.telegram.adapter import TelegramMessenger, WebhookSettings

    webhook = None
    if config.mode == "webhook":
        webhook = WebhookSettings(
            url=config.webhook_url,
            secret=deps.secret(config.webhook_secret_env).reveal(),
            host=config.webhook_host,
            port=config.webhook_port,
            path=config.webhook_path,
        )
    return TelegramMessenger(
        deps.hub,
        token=deps.secret(config.token_env).reveal(),
        base_url=config.base_url,
        webhook=webhook,
        pacer=deps.pacer,
        pacing=pacing(config),
    )


MESSENGER = MessengerKind(
    platform=TELEGRAM,
    section="telegram",
    settings=TelegramConfig,
    build=build,
    pacing=pacing,
    secrets=required_secrets,
    problems=problems,
)


__all__ = ["MESSENGER", "TELEGRAM", "TelegramConfig"]
