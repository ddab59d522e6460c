"""The Telegram adapter: mentoring in private chats with a bot (python-telegram-bot 22).

``render`` and ``translate`` are pure (Reply -> HTML messages, Update -> hub call);
``adapter`` holds the I/O: the PTB application, the webhook server and the sender;
``pacing_rules`` declares Telegram"s flood limits for the core pacer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from adapters.telegram.pacing_rules import TELEGRAM

if TYPE_CHECKING:
    from adapters.telegram.adapter import TelegramMessenger, WebhookSettings

__all__ = ["TELEGRAM", "TelegramMessenger", "WebhookSettings"]


def __getattr__(name: str) -> Any:
    # The SDK is imported with the messenger, not with the pacing rules every process reads.
    if name in __all__:
        from adapters.telegram import adapter

        return getattr(adapter, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
