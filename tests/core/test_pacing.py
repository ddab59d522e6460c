"""Token buckets by scope, in fake time: rates, bursts, several scopes, 429 pauses."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from core.clock import ManualClock
from core.pacing import Pacer, Rate, Scope
from tests.core.scheduling_helpers import FakeTime


@pytest.fixture
def time() -> FakeTime:
    return FakeTime(ManualClock(datetime(2026, 3, 2, 9, tzinfo=UTC)))


@pytest.fixture
def pacer(time: FakeTime) -> Pacer:
    return Pacer(monotonic=time.monotonic, sleep=time.sleep)


def most_in_any_window(stamps: list[float], window: float = 1.0) -> int:
    stamps = sorted(stamps)
    best = 0
    for i, start in enumerate(stamps):
        best = max(best, sum(1 for s in stamps[i:] if s < start + window - 1e-9))
    return best


BOT = Scope("telegram", Rate(28))


async def test_one_scope_is_paced_at_its_rate(pacer: Pacer, time: FakeTime) -> None:
    stamps = []
    for _ in range(57):
        await pacer.acquire([BOT])
        stamps.append(time.monotonic())
    assert stamps[-1] == pytest.approx(56 / 28, abs=1e-3)
    assert most_in_any_window(stamps) <= 28


async def test_concurrent_senders_share_the_rate(pacer: Pacer, time: FakeTime) -> None:
    stamps: list[float] = []

    async def sender() -> None:
        for _ in range(20):
            await pacer.acquire([BOT])
            stamps.append(time.monotonic())

    await asyncio.gather(*(sender() for _ in range(8)))
    assert len(stamps) == 160
    assert most_in_any_window(stamps) <= 28
    assert max(stamps) == pytest.approx(159 / 28, rel=0.02)


async def test_every_scope_of_a_message_must_have_a_token(pacer: Pacer, time: FakeTime) -> None:
    chat = Scope("telegram:42", Rate(1))
    stamps = []
    for _ in range(4):
        await pacer.acquire([BOT, chat])
        stamps.append(time.monotonic())
    assert stamps == pytest.approx([0, 1, 2, 3], abs=1e-3)  # the chat's 1/s governs
    start = time.monotonic()
    for n in range(28):
        await pacer.acquire([BOT, Scope(f"telegram:{n}", Rate(1))])
    assert time.monotonic() - start == pytest.approx(28 / 28, abs=0.05)  # the bot's 28/s


async def test_a_burst_is_allowed_after_idling(pacer: Pacer, time: FakeTime) -> None:
    scope = Scope("slack:T1", Rate(1, burst=5))
    await pacer.acquire([scope])
    await time.sleep(10)
    start = time.monotonic()
    for _ in range(5):
        await pacer.acquire([scope])
    assert time.monotonic() == start  # five at once
    await pacer.acquire([scope])
    assert time.monotonic() == pytest.approx(start + 1, abs=1e-3)


async def test_a_pause_holds_only_its_own_scope(pacer: Pacer, time: FakeTime) -> None:
    slack_a = Scope("slack:TA", Rate(8))
    slack_b = Scope("slack:TB", Rate(8))
    await pacer.acquire([slack_a])
    pacer.pause(slack_a, 30)
    assert pacer.paused_for("slack:TA") == pytest.approx(30)
    assert pacer.wait_time([slack_b]) == 0
    assert pacer.wait_time([slack_a]) == pytest.approx(30)
    start = time.monotonic()
    for _ in range(8):
        await pacer.acquire([slack_b])
    assert time.monotonic() - start < 1.0  # the other workspace never noticed
    await pacer.acquire([slack_a])
    assert time.monotonic() == pytest.approx(30, abs=1e-3)
    assert pacer.wait_time([slack_a]) == pytest.approx(1 / 8)  # no burst on reopening


async def test_idle_buckets_are_forgotten(pacer: Pacer, time: FakeTime) -> None:
    for n in range(10):
        await pacer.acquire([Scope(f"telegram:{n}", Rate(1))])
    await time.sleep(7200)
    assert pacer.forget_idle(3600) == 10


def test_rates_are_validated() -> None:
    with pytest.raises(ValueError, match="rate"):
        Rate(0)
    assert Rate.per_minute(600).per_second == 10
    assert Rate.per_hour(60).per_second == pytest.approx(1 / 60)
