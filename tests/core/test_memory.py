"""The bounded memories every adapter uses: caches, replay memory, per-person ordering."""

from __future__ import annotations

import asyncio

from core.memory import KeyedLocks, LruCache, RecentKeys


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_lru_cache_is_bounded() -> None:
    cache: LruCache[int, int] = LruCache(capacity=2)
    cache.put(1, 10)
    cache.put(2, 20)
    assert cache.get(1) == 10
    cache.put(3, 30)  # evicts 2, the least recently used
    assert (cache.get(1), cache.get(2), cache.get(3)) == (10, None, 30)
    cache.pop(1)
    assert cache.get(1) is None
    assert len(cache) == 1


def test_lru_cache_with_a_ttl_expires_and_drops() -> None:
    time = FakeTime()
    cache: LruCache[str, int] = LruCache(capacity=2, ttl=10, clock=time)
    cache.put("a", 1)
    assert cache.get("a") == 1
    time.now += 11
    assert cache.get("a") is None
    cache.put("x1", 1)
    cache.put("y1", 2)
    cache.put("x2", 3)
    assert cache.get("x1") is None  # size bound
    cache.drop(lambda key: key.startswith("x"))
    assert (cache.get("x2"), cache.get("y1")) == (None, 2)


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
