"""The Telegram adapter: mentoring in private chats with a bot (python-telegram-bot 22).

``render`` and ``translate`` are pure (Reply -> HTML messages, Update -> hub call);
``adapter`` holds the I/O: the PTB application, the webhook server and the sender;
``pacing`` keeps sends under Telegram's flood limits.
"""

from adapters.telegram.adapter import TelegramMessenger, WebhookSettings
from adapters.telegram.pacing import Pacer

__all__ = ["Pacer", "TelegramMessenger", "WebhookSettings"]
