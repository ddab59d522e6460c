"""The pacer on a fake clock: per-chat and global spacing, bursts, holds after a 429."""

from __future__ import annotations

import asyncio

import pytest

from adapters.telegram.pacing import Pacer


class FakeTime:
    """A clock that moves only when someone sleeps; records every sleep."""

    def __init__(self, *, advance: bool = True) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []
        self.advance = advance

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        if self.advance:
            self.now += seconds


def _pacer(time: FakeTime, **kwargs: float) -> Pacer:
    return Pacer(clock=time.clock, sleep=time.sleep, **kwargs)  # type: ignore[arg-type]


async def _send_times(pacer: Pacer, time: FakeTime, chats: list[int]) -> list[float]:
    stamps = []
    for chat in chats:
        await pacer.wait(chat)
        stamps.append(round(time.now - 100.0, 6))
    return stamps


async def test_one_chat_gets_a_burst_then_one_per_second() -> None:
    time = FakeTime()
    pacer = _pacer(time, global_rate=0, chat_interval=1.0, chat_burst=3)
    assert await _send_times(pacer, time, [1] * 6) == [0, 0, 0, 1, 2, 3]


async def test_other_chats_are_not_held_up_by_a_busy_one() -> None:
    time = FakeTime()
    pacer = _pacer(time, global_rate=0, chat_interval=1.0, chat_burst=1)
    await pacer.wait(1)
    assert await _send_times(pacer, time, [2, 3, 4]) == [0, 0, 0]
    assert await _send_times(pacer, time, [1]) == [1]


async def test_groups_are_paced_more_slowly() -> None:
    time = FakeTime()
    pacer = _pacer(time, global_rate=0, chat_interval=1.0, group_interval=3.0, chat_burst=1)
    assert await _send_times(pacer, time, [-100, -100, -100]) == [0, 3, 6]


async def test_the_global_rate_spaces_all_chats() -> None:
    time = FakeTime()
    pacer = _pacer(time, global_rate=10.0, chat_interval=1.0)
    stamps = await _send_times(pacer, time, list(range(1, 6)))
    assert stamps == [0, 0.1, 0.2, 0.3, 0.4]


async def test_concurrent_senders_get_distinct_slots() -> None:
    time = FakeTime(advance=False)  # all reserve at the same instant
    pacer = _pacer(time, global_rate=0, chat_interval=1.0, chat_burst=1)
    await asyncio.gather(*(pacer.wait(7) for _ in range(4)))
    assert sorted(time.sleeps) == [1, 2, 3]


async def test_a_429_holds_only_its_chat() -> None:
    time = FakeTime()
    pacer = _pacer(time, global_rate=0, chat_interval=1.0, chat_burst=3)
    pacer.hold(1, 7.0)
    assert await _send_times(pacer, time, [2]) == [0]
    assert await _send_times(pacer, time, [1, 1]) == [7, 8]


async def test_unlimited_never_waits_but_still_honours_a_hold() -> None:
    time = FakeTime()
    pacer = Pacer.unlimited()
    pacer._clock, pacer._sleep = time.clock, time.sleep
    assert await _send_times(pacer, time, [1] * 50 + [-5] * 50) == [0] * 100
    pacer.hold(1, 2.0)
    assert await _send_times(pacer, time, [1]) == [2]


@pytest.mark.parametrize("count", [3, 50])
async def test_idle_chats_are_forgotten(count: int) -> None:
    time = FakeTime()
    pacer = _pacer(time, global_rate=0, chat_interval=1.0, max_chats=2)
    for chat in range(count):
        await pacer.wait(chat)
        time.now += 5
    assert len(pacer._chats) <= 2
