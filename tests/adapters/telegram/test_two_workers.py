"""Two workers on one PostgreSQL database share Telegram's budget: together they send at
most 30 messages in any second and one a second per chat, and each message once.

Two app instances, each with its own pacer, delivery worker and real TelegramMessenger
(python-telegram-bot), send one fan-out to one FakeTelegram enforcing Telegram's limits,
in its own process as Telegram is. The pacers share their send slots through the
database, whose clock is real: the fan-out takes about two seconds of wall time (50
messages at about 27 a second), bounded below.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from adapters.telegram.adapter import TelegramMessenger
from adapters.telegram.pacing_rules import pacing
from benchmarks.fake_host import RemoteFake
from bots.bootstrap import Mentorhub
from core.clock import ManualClock
from tests.adapters.telegram.conftest import TOKEN, account_of, make_messenger
from tests.adapters.telegram.test_adapter import _register
from tests.conftest import make_app
from tests.core.scheduling_helpers import queue_notice
from tests.fakes.telegram_api import FakeTelegram

CHATS = [5_000_001 + n for n in range(45)]
TWICE = CHATS[:5]  # these chats get a second message: two workers may hold one each


@pytest.fixture
async def workers(db_url: str, clock: ManualClock) -> AsyncIterator[list[Mentorhub]]:
    if db_url.startswith("sqlite"):
        pytest.skip("one process on SQLite: its own pacer is the whole budget")
    apps = [make_app(db_url, clock), make_app(db_url, clock)]
    try:
        yield apps
    finally:
        for app in apps:
            await app.close()


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(global_rate=30, per_chat_rate=1) as fake:
        yield fake


async def test_two_workers_together_keep_telegrams_limits_and_send_each_message_once(
    workers: list[Mentorhub],
) -> None:
    first, second = workers
    assert first.pacer is not second.pacer
    # The stand-in in its own process, as Telegram is: in the workers' event loop every
    # stall of theirs would bunch requests on its side (see benchmarks/fake_host.py).
    async with RemoteFake("telegram", global_rate=30, per_chat_rate=1) as remote:
        messengers = [_messenger(app, remote.url) for app in workers]
        for messenger in messengers:
            await messenger.start_sending()
        try:
            expected = await _fan_out(first)
            await remote.command("clear")
            for app in workers:
                app.delivery.batch = 5  # small claims, so both workers get a share at once
            async with asyncio.timeout(20):
                reports = await asyncio.gather(first.deliver(), second.deliver())
        finally:
            for messenger in messengers:
                await messenger.stop()
        stats = await remote.command("stats", sends=True)

    sends = [_Send(*send) for send in stats["sends"]]
    texts = sorted(send.text for send in sends if send.status == 200)
    assert texts == sorted(expected), (reports, stats["rejected_429"], _busiest_second(sends))
    assert all(report.sent > 0 for report in reports), [r.sent for r in reports]
    assert stats["rejected_429"] == 0
    assert _busiest_second(sends) <= 30
    assert _closest_in_one_chat(sends) >= 0.95  # 1 s apart, less the loopback's jitter


async def _fan_out(app: Mentorhub) -> list[str]:
    """One notice to each of CHATS, a second one to each of TWICE; their texts."""
    for n, chat in enumerate(CHATS):
        await _register(app, chat, f"P{n}")
    expected = []
    for chat in CHATS:
        person = (await account_of(app, chat)).person_id
        await queue_notice(app, person, f"{chat}-a")
        expected.append(f"notice {chat}-a")
        if chat in TWICE:
            await queue_notice(app, person, f"{chat}-b")
            expected.append(f"notice {chat}-b")
    return expected


def _messenger(app: Mentorhub, base_url: str) -> TelegramMessenger:
    """The real TelegramMessenger at ``base_url`` with the app's pacer and Telegram's
    pacing, registered as the app's sender (make_messenger, for a remote stand-in)."""
    messenger = TelegramMessenger(
        app.hub, token=TOKEN, base_url=base_url, pacer=app.pacer, pacing=pacing()
    )
    app.outlets.add(messenger)
    return messenger


@dataclass(frozen=True)
class _Send:
    """One sendMessage as the stand-in saw it."""

    at: float
    chat_id: object
    status: int
    text: str


async def test_a_429_one_worker_meets_pauses_the_chat_for_the_other(
    workers: list[Mentorhub], tg: FakeTelegram
) -> None:
    first, second = workers
    messengers = [make_messenger(app, tg, pacer=app.pacer, pacing=pacing()) for app in workers]
    for messenger in messengers:
        await messenger.start_sending()
    try:
        chat = CHATS[0]
        await _register(first, chat, "Ada")
        person = (await account_of(first, chat)).person_id
        tg.clear_calls()
        tg.fail_next("sendMessage", error_code=429, retry_after=30, chat_id=chat)
        await queue_notice(first, person, "first")
        assert (await first.deliver()).rate_limited == 1
        await first.pacer.settled()  # the pause is written to the database

        await queue_notice(first, person, "second")  # claimable now; the chat is paused
        async with asyncio.timeout(10):
            report = await second.deliver()
    finally:
        for messenger in messengers:
            await messenger.stop()
    assert (report.sent, report.deferred) == (0, 1)
    assert [call.status for call in tg.calls_to("sendMessage")] == [429]


def _busiest_second(sends: list[_Send]) -> int:
    """The most requests that arrived within any one second (Telegram's window)."""
    times = sorted(send.at for send in sends)
    return max(
        (sum(1 for t in times[i:] if t < start + 1.0) for i, start in enumerate(times)),
        default=0,
    )


def _closest_in_one_chat(sends: list[_Send]) -> float:
    """The shortest time between two requests to one chat."""
    by_chat: dict[object, list[float]] = defaultdict(list)
    for send in sends:
        by_chat[send.chat_id].append(send.at)
    gaps = [
        later - earlier
        for times in by_chat.values()
        for earlier, later in zip(sorted(times), sorted(times)[1:], strict=False)
    ]
    return min(gaps, default=float("inf"))
