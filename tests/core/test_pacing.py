"""Token buckets by scope, in fake time: rates, bursts, several scopes, 429 pauses."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from core.clock import ManualClock
from core.pacing import Pacer, Rate, Scope, SharedSlot
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


class ScriptedSlots:
    """A SharedPacing that hands out the slots it is given, in order, and counts asks."""

    def __init__(self, *answers: SharedSlot) -> None:
        self.answers = list(answers)
        self.asked = 0

    async def reserve(
        self, scopes: Sequence[tuple[str, float]], *, give_up_after: float | None
    ) -> SharedSlot:
        self.asked += 1
        return self.answers.pop(0)

    async def pause(self, scope: str, seconds: float) -> None:
        return None

    async def forget_idle(self, older_than: float) -> int:
        return 0


async def test_a_shared_slot_is_waited_for_and_a_busy_scope_counts_as_busy(
    time: FakeTime,
) -> None:
    slots = ScriptedSlots(
        SharedSlot(reserved=False, wait=0.7, waits={"telegram": 0.7}),  # another worker's
        SharedSlot(reserved=True, wait=0.2),
    )
    pacer = Pacer(monotonic=time.monotonic, sleep=time.sleep, shared=slots)
    start = time.monotonic()
    assert not await pacer.acquire([BOT], give_up_after=0.5)  # too far: nothing taken
    assert pacer.wait_time([BOT]) == pytest.approx(0.7)  # busy here too, not paused
    assert pacer.paused_for("telegram") == 0
    assert await pacer.acquire([BOT])
    assert time.monotonic() - start == pytest.approx(0.7 + 0.2)
    assert slots.asked == 2


async def test_a_shared_slot_missed_by_a_late_wake_up_is_let_go(time: FakeTime) -> None:
    slots = ScriptedSlots(SharedSlot(reserved=True, wait=0.2), SharedSlot(True, wait=0.1))
    overslept = [0.3]  # the first sleep ends 0.3 s late (a busy machine)

    async def late_sleep(seconds: float) -> None:
        await time.sleep(seconds + (overslept.pop() if overslept else 0.0))

    pacer = Pacer(monotonic=time.monotonic, sleep=late_sleep, shared=slots)
    start = time.monotonic()
    assert await pacer.acquire([BOT])
    assert slots.asked == 2  # the late slot was not used
    assert time.monotonic() - start == pytest.approx(0.5 + 0.1)
