"""The pacer with a fake monotonic clock: bursts, waits, the workspace cap, 429 blocks."""

from __future__ import annotations

import pytest

from adapters.slack.pacing import Pacer
from core.delivery import RateLimited


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_channel_burst_then_one_per_second() -> None:
    time = FakeTime()
    pacer = Pacer(channel_burst=3, clock=time)
    assert [pacer.reserve("T", "D1", max_wait=5) for _ in range(3)] == [0, 0, 0]
    assert pacer.reserve("T", "D1", max_wait=5) == pytest.approx(1.0)
    assert pacer.reserve("T", "D1", max_wait=5) == pytest.approx(2.0)  # queued behind it
    assert pacer.reserve("T", "D2", max_wait=5) == 0  # another channel is not affected
    time.now += 10
    assert pacer.reserve("T", "D1", max_wait=5) == 0


def test_a_wait_beyond_max_wait_raises_and_books_nothing() -> None:
    time = FakeTime()
    pacer = Pacer(channel_burst=1, clock=time)
    pacer.reserve("T", "D1", max_wait=1)
    with pytest.raises(RateLimited) as error:
        pacer.reserve("T", "D1", max_wait=0.5)
    assert error.value.scope == "slack:T:D1"
    assert error.value.retry_after == pytest.approx(1.0)
    assert pacer.reserve("T", "D1", max_wait=1) == pytest.approx(1.0)  # nothing was booked


def test_workspace_cap_holds_for_any_rolling_minute() -> None:
    time = FakeTime()
    pacer = Pacer(workspace_per_minute=60, channel_burst=100, clock=time)
    sent: list[float] = []
    scopes: set[str] = set()
    for step in range(1800):  # three minutes, a try every 0.1 s, each to a fresh channel
        time.now = 1000.0 + step * 0.1
        try:
            pacer.reserve("T", f"D{step}", max_wait=0)
            sent.append(time.now)
        except RateLimited as error:
            scopes.add(error.scope)
    assert scopes == {"slack:T"}
    for start in sent:  # no rolling minute holds more than the cap
        assert sum(1 for t in sent if start <= t < start + 60) <= 60
    assert len(sent) >= 6 + 3 * 54 - 1  # burst, then 54 a minute: the cap is used, not wasted
    assert pacer.reserve("OTHER", "D1", max_wait=0) == 0  # other workspaces unaffected


def test_a_429_blocks_only_its_channel() -> None:
    time = FakeTime()
    pacer = Pacer(clock=time)
    pacer.block("T", "D1", 30)
    with pytest.raises(RateLimited) as error:
        pacer.reserve("T", "D1", max_wait=1)
    assert error.value.retry_after == pytest.approx(30)
    assert error.value.scope == "slack:T:D1"
    assert pacer.reserve("T", "D2", max_wait=1) == 0
    time.now += 30
    assert pacer.reserve("T", "D1", max_wait=1) == 0
