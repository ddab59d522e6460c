"""The inbound helpers every adapter uses: replay memory and per-person ordering."""

from __future__ import annotations

import asyncio

from core.inbound import KeyedLocks, RecentKeys


def test_recent_keys_are_bounded_and_remember_the_latest() -> None:
    seen: RecentKeys[int] = RecentKeys(capacity=3)
    assert [seen.first_time(i) for i in (1, 2, 3)] == [True, True, True]
    assert seen.first_time(1) is False  # refreshed: now the newest
    assert seen.first_time(4) is True  # evicts 2, the oldest
    assert len(seen) == 3
    assert seen.first_time(1) is False
    assert seen.first_time(2) is True


async def test_keyed_locks_serialise_per_key_and_clean_up() -> None:
    locks: KeyedLocks[int] = KeyedLocks()
    order: list[str] = []

    async def work(key: int, name: str, pause: float) -> None:
        async with locks.hold(key):
            order.append(f"{name}+")
            await asyncio.sleep(pause)
            order.append(f"{name}-")

    await asyncio.gather(work(1, "a", 0.02), work(1, "b", 0), work(2, "c", 0))
    assert order.index("a-") < order.index("b+")  # same key: one after the other
    assert order.index("c+") < order.index("a-")  # other keys don't wait
    assert len(locks) == 0


async def test_keyed_locks_are_forgotten_when_idle_even_after_a_failure() -> None:
    locks: KeyedLocks[str] = KeyedLocks()
    async with locks.hold("a"):
        assert len(locks) == 1
        async with locks.hold("b"):
            assert len(locks) == 2
    try:
        async with locks.hold("c"):
            raise RuntimeError("handler failed")
    except RuntimeError:
        pass
    assert len(locks) == 0
