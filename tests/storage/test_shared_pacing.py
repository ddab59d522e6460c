"""Send slots shared on PostgreSQL (storage/pacing.py): spaced per scope, refused rather
than taken when too far or when a narrow scope would hold the widest one back, paused by
a 429, forgotten when idle. The database's clock is real; nothing here sleeps, the waits
it answers are checked with a few milliseconds of slack."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from storage.db import create_engine
from storage.pacing import PostgresSharedPacing


def about(wait: float, expected: float) -> bool:
    """``expected``, less the time the statements between took (on a busy machine)."""
    return expected - 0.2 < wait <= expected + 0.01


@pytest.fixture
async def slots(db_url: str) -> AsyncIterator[PostgresSharedPacing]:
    if db_url.startswith("sqlite"):
        pytest.skip("shared pacing is for several processes on PostgreSQL")
    engine = create_engine(db_url)
    try:
        yield PostgresSharedPacing(engine)
    finally:
        await engine.dispose()


async def test_slots_of_one_scope_are_a_spacing_apart_whoever_takes_them(
    slots: PostgresSharedPacing,
) -> None:
    first = await slots.reserve([("tg", 0.5)], give_up_after=None)
    second = await slots.reserve([("tg", 0.5)], give_up_after=None)
    assert first.reserved and about(first.wait, 0)
    assert second.reserved and about(second.wait, 0.5)
    other = await slots.reserve([("dc", 0.5)], give_up_after=None)  # another scope: free
    assert about(other.wait, 0)


async def test_a_slot_too_far_away_is_not_taken(slots: PostgresSharedPacing) -> None:
    for _ in range(3):
        await slots.reserve([("tg", 0.5)], give_up_after=None)
    refused = await slots.reserve([("tg", 0.5)], give_up_after=0.2)
    assert not refused.reserved
    assert about(refused.waits["tg"], 1.5)
    taken = await slots.reserve([("tg", 0.5)], give_up_after=None)
    assert about(taken.wait, 1.5)  # the refusal took nothing


async def test_a_busy_chat_does_not_hold_the_bots_schedule_back(
    slots: PostgresSharedPacing,
) -> None:
    await slots.reserve([("tg", 0.5), ("tg:1", 2.0)], give_up_after=None)
    again = await slots.reserve([("tg", 0.5), ("tg:1", 2.0)], give_up_after=None)
    assert not again.reserved  # its chat is busy for two seconds: ask again then
    assert about(again.waits["tg:1"], 2.0)
    another_chat = await slots.reserve([("tg", 0.5), ("tg:2", 2.0)], give_up_after=None)
    assert about(another_chat.wait, 0.5)  # the bot's next slot


async def test_a_pause_holds_the_scope_for_everyone_and_idle_scopes_are_forgotten(
    slots: PostgresSharedPacing,
) -> None:
    await slots.pause("tg:1", 30)
    paused = await slots.reserve([("tg", 0.1), ("tg:1", 1.0)], give_up_after=2)
    assert not paused.reserved and about(paused.waits["tg:1"], 30)
    await slots.reserve([("tg", 0.1)], give_up_after=None)
    assert await slots.forget_idle(older_than=-10) == 1  # tg's slot is not 10 s ahead
    assert await slots.forget_idle(older_than=-60) == 1  # tg:1's, 30 s ahead, is
