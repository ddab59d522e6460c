"""A worker that dies mid-send: Discord's enforce_nonce makes the retry exactly-once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.clock import ManualClock
from core.identity import Platform, PlatformAccount, UserRef
from core.messages import Reply
from tests.adapters.dead_worker import left_sending, outbox_status
from tests.adapters.discord.harness import ANN, Harness, dm_of, message_text

pytestmark = pytest.mark.timeout(20)

KEY = "pair:1:brief:0"
BRIEF = Reply("Ann checked in. Their brief:", title="Check-in 1, pair #1")


async def register(h: Harness, user: int, name: str = "Ann") -> PlatformAccount:
    ref = UserRef(Platform("discord"), "", str(user), display_name=name)
    await h.app.hub.command(ref, "start", f"name='{name}' timezone=Europe/Berlin languages=en")
    async with h.app.uow() as uow:
        account = await uow.accounts.find(Platform("discord"), "", str(user))
    assert account is not None
    return account


@pytest.mark.parametrize("arrived", [True, False])
async def test_a_send_a_dead_worker_left_is_confirmed_and_delivered_once(
    h: Harness, clock: ManualClock, arrived: bool
) -> None:
    account = await register(h, ANN)
    await left_sending(h.app, account, KEY, BRIEF, queued_ago=timedelta(hours=1))
    if arrived:  # Discord accepted the message; the worker died before recording it
        await h.messenger.send_keyed(account, BRIEF, key=KEY)
    clock.advance(h.app.delivery.lease + timedelta(seconds=5))  # its lease runs out
    report = await h.app.deliver()
    assert (report.confirmed, report.uncertain) == (1, 0)
    assert await outbox_status(h.app, account, KEY) == "sent"
    [brief] = dm_of(h, ANN)
    assert "Ann checked in" in message_text(brief)
    assert (await h.app.deliver()).sent == 0


async def test_long_after_the_crash_it_is_assumed_sent_not_sent_twice(
    h: Harness, clock: ManualClock
) -> None:
    """Discord forgets a nonce after a few minutes: sending again could post it twice."""
    account = await register(h, ANN)
    await left_sending(h.app, account, KEY, BRIEF, queued_ago=timedelta(hours=1))
    await h.messenger.send_keyed(account, BRIEF, key=KEY)
    clock.advance(timedelta(minutes=30))
    report = await h.app.deliver()
    assert (report.confirmed, report.uncertain) == (0, 1)
    assert await outbox_status(h.app, account, KEY) == "uncertain"
    assert len(dm_of(h, ANN)) == 1
