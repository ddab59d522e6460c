"""A worker that dies mid-send, for the exactly-once tests of each messenger: the row it
left marked "sending", and what the outbox says of it afterwards."""

from __future__ import annotations

from datetime import timedelta

from bots.bootstrap import Mentorhub
from core.identity import PlatformAccount
from core.messages import Reply, reply_to_data
from core.ports import OutboxMessage


async def left_sending(
    app: Mentorhub,
    account: PlatformAccount,
    key: str,
    reply: Reply,
    *,
    queued_ago: timedelta = timedelta(0),
) -> None:
    """The row, queued ``queued_ago`` (say it waited for a 429), is claimed and marked
    "sending" by a worker; then its process dies."""
    now, lease = app.clock.now(), app.delivery.lease
    async with app.uow() as uow:
        message = OutboxMessage(
            person_id=account.person_id,
            key=key,
            kind="notice",
            payload=reply_to_data(reply),
            created_at=now - queued_ago,
            next_attempt_at=now - queued_ago,
        )
        assert await uow.outbox.add(message)
        [claimed] = await uow.outbox.claim(now=now, limit=1, worker="dead", lease=lease)
        assert claimed.id is not None and account.id is not None
        marked = await uow.outbox.mark_sending(
            claimed.id, worker="dead", account_id=account.id, now=now, lease=lease
        )
        assert marked == 1
        await uow.commit()


async def outbox_status(app: Mentorhub, account: PlatformAccount, key: str) -> str:
    async with app.uow() as uow:
        row = await uow.outbox.by_key(account.person_id, key)
    assert row is not None
    return row.status
