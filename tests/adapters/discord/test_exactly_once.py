"""A worker that dies mid-send: Discord's enforce_nonce makes the retry exactly-once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bots.bootstrap import Mentorhub
from core.clock import ManualClock
from core.identity import Platform, PlatformAccount, UserRef
from core.messages import Reply, reply_to_data
from core.ports import OutboxMessage
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


async def dying_worker_marks_sending(app: Mentorhub, account: PlatformAccount) -> None:
    """The row, queued an hour ago (say it waited for a 429), is claimed and marked
    "sending" by a worker; then its process dies."""
    now, lease = app.clock.now(), app.delivery.lease
    async with app.uow() as uow:
        message = OutboxMessage(
            person_id=account.person_id,
            key=KEY,
            kind="notice",
            payload=reply_to_data(BRIEF),
            created_at=now - timedelta(hours=1),
            next_attempt_at=now - timedelta(hours=1),
        )
        assert await uow.outbox.add(message)
        [claimed] = await uow.outbox.claim(now=now, limit=1, worker="dead", lease=lease)
        assert claimed.id is not None and account.id is not None
        marked = await uow.outbox.mark_sending(
            claimed.id, worker="dead", account_id=account.id, now=now, lease=lease
        )
        assert marked == 1
        await uow.commit()


async def status(app: Mentorhub, account: PlatformAccount) -> str:
    async with app.uow() as uow:
        row = await uow.outbox.by_key(account.person_id, KEY)
    assert row is not None
    return row.status


@pytest.mark.parametrize("arrived", [True, False])
async def test_a_send_a_dead_worker_left_is_confirmed_and_delivered_once(
    h: Harness, clock: ManualClock, arrived: bool
) -> None:
    account = await register(h, ANN)
    await dying_worker_marks_sending(h.app, account)
    if arrived:  # Discord accepted the message; the worker died before recording it
        await h.messenger.send_keyed(account, BRIEF, key=KEY)
    clock.advance(h.app.delivery.lease + timedelta(seconds=5))  # its lease runs out
    report = await h.app.deliver()
    assert (report.confirmed, report.uncertain) == (1, 0)
    assert await status(h.app, account) == "sent"
    [brief] = dm_of(h, ANN)
    assert "Ann checked in" in message_text(brief)
    assert (await h.app.deliver()).sent == 0


async def test_long_after_the_crash_it_is_assumed_sent_not_sent_twice(
    h: Harness, clock: ManualClock
) -> None:
    """Discord forgets a nonce after a few minutes: sending again could post it twice."""
    account = await register(h, ANN)
    await dying_worker_marks_sending(h.app, account)
    await h.messenger.send_keyed(account, BRIEF, key=KEY)
    clock.advance(timedelta(minutes=30))
    report = await h.app.deliver()
    assert (report.confirmed, report.uncertain) == (0, 1)
    assert await status(h.app, account) == "uncertain"
    assert len(dm_of(h, ANN)) == 1
