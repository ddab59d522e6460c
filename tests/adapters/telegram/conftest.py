"""The real python-telegram-bot, the real hub, FakeTelegram on loopback in between."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from adapters.telegram.adapter import TelegramMessenger, WebhookSettings
from adapters.telegram.translate import NonText, Translated
from bots.bootstrap import Mentorhub
from core.identity import Platform, PlatformAccount
from core.pacing import UNLIMITED, Pacer, PlatformPacing
from tests.fakes.telegram_api import Call, FakeTelegram

TOKEN = "123456:TEST-token_abc"
SECRET = "s3cret-Token_1"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Bot:
    """A running adapter plus helpers to wait for what it did."""

    def __init__(self, messenger: TelegramMessenger, tg: FakeTelegram) -> None:
        self.messenger = messenger
        self.tg = tg
        self.handled: list[Translated] = []
        self._changed = asyncio.Event()
        original = messenger.handle

        async def spy(inbound: Translated) -> None:
            try:
                await original(inbound)
            finally:
                self.handled.append(inbound)
                self._changed.set()

        messenger.handle = spy  # type: ignore[method-assign,assignment]

    async def until_handled(self, count: int, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        async with asyncio.timeout(timeout):
            while len(self.handled) < count:
                self._changed.clear()
                await self._changed.wait()

    async def sent(self, count: int) -> list[Call]:
        """Wait for ``count`` accepted sendMessage calls in all; return them."""
        await self.tg.wait_for(lambda calls: len(_accepted(calls, "sendMessage")) >= count)
        return _accepted(self.tg.calls, "sendMessage")


def describe(translated: Translated) -> str:
    """What kind of update the adapter handled, and where it was said."""
    if isinstance(translated, NonText):
        return "NonText"
    where = "in a private chat" if translated.inbound.ref.space == "" else "in a group"
    return f"{type(translated.inbound).__name__} {where}"


def _accepted(calls: list[Call], method: str) -> list[Call]:
    return [c for c in calls if c.method == method and c.ok]


@pytest.fixture(autouse=True)
def _ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")  # PTB's future behaviour, without warnings


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake


def make_messenger(
    app: Mentorhub,
    tg: FakeTelegram,
    *,
    webhook: WebhookSettings | None = None,
    pacer: Pacer | None = None,
    pacing: PlatformPacing | None = None,
) -> TelegramMessenger:
    """The real TelegramMessenger pointed at ``tg``, registered as the app's sender."""
    messenger = TelegramMessenger(
        app.hub,
        token=TOKEN,
        base_url=tg.base_url,
        webhook=webhook,
        pacer=pacer or Pacer(),
        # Unpaced unless a test asks (only 429 pauses count), per chat as in production.
        pacing=pacing or PlatformPacing(Platform("telegram"), conversation_rate=UNLIMITED),
        poll_timeout=5,
    )
    app.outlets.add(messenger)
    return messenger


@asynccontextmanager
async def running_bot(
    app: Mentorhub,
    tg: FakeTelegram,
    *,
    webhook: bool = False,
    pacer: Pacer | None = None,
    pacing: PlatformPacing | None = None,
) -> AsyncIterator[Bot]:
    settings = None
    if webhook:
        port = free_port()
        settings = WebhookSettings(
            url=f"http://127.0.0.1:{port}/tg/hook", secret=SECRET, port=port, path="/tg/hook"
        )
    messenger = make_messenger(app, tg, webhook=settings, pacer=pacer, pacing=pacing)
    await messenger.start()
    try:
        yield Bot(messenger, tg)
    finally:
        await messenger.stop()


@pytest.fixture
async def bot(app: Mentorhub, tg: FakeTelegram) -> AsyncIterator[Bot]:
    async with running_bot(app, tg) as running:
        yield running


async def account_of(app: Mentorhub, user_id: int) -> PlatformAccount:
    async with app.uow() as uow:
        account = await uow.accounts.find(Platform("telegram"), "", str(user_id))
    assert account is not None
    return account


def markup(*rows: list[tuple[str, str]]) -> dict[str, Any]:
    return {
        "inline_keyboard": [
            [{"text": text, "callback_data": data} for text, data in row] for row in rows
        ]
    }
