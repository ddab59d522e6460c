"""What the operations port asks of storage, on each backend: handing back a stopping
worker's leases, and the gauges of a metrics scrape."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from bots.bootstrap import Mentorhub
from core.identity import Platform
from core.ports import DueItem, DueStatus
from storage.operations import release_leases, snapshot
from tests.core.scheduling_helpers import add_person, queue_notice

LEASE = timedelta(minutes=2)


async def test_a_stopping_worker_hands_back_what_it_holds_and_nothing_else(
    app: Mentorhub,
) -> None:
    now = app.clock.now()
    ann, _ = await add_person(app, "ann", (Platform("telegram"), "", "1"))
    for key in ("a", "b", "c"):
        await queue_notice(app, ann, key)
    async with app.uow() as uow:
        await uow.due.schedule(
            [DueItem("pair:1", "checkin", 1, ann, now), DueItem("pair:2", "checkin", 1, ann, now)],
            now=now,
        )
        await uow.commit()
    async with app.uow() as uow:
        mine = await uow.outbox.claim(now=now, limit=2, worker="w1", lease=LEASE)
        theirs = await uow.outbox.claim(now=now, limit=1, worker="w2", lease=LEASE)
        assert await uow.outbox.mark_sending(
            mine[0].id or 0, worker="w1", account_id=1, now=now, lease=LEASE
        )
        (claimed,) = await uow.due.claim(now=now, limit=1, worker="w1", lease=LEASE)
        (others,) = await uow.due.claim(now=now, limit=1, worker="w2", lease=LEASE)
        await uow.commit()

    released = await release_leases(app.engine, "w1", now)

    assert (released.outbox, released.outbox_sending, released.due) == (1, 1, 1)
    async with app.engine.connect() as connection:
        outbox = {
            row.id: (row.status, row.locked_by, row.locked_until is None)
            for row in await connection.execute(
                text("SELECT id, status, locked_by, locked_until FROM outbox")
            )
        }
        due = {
            row.id: (row.status, row.locked_by, row.attempts)
            for row in await connection.execute(
                text("SELECT id, status, locked_by, attempts FROM due_item")
            )
        }
    assert outbox[mine[1].id] == ("pending", None, True)  # free for anyone, now
    # cut short mid-send: kept for recovery (which asks the platform), its lease ended now
    assert outbox[mine[0].id] == ("sending", "w1", False)
    assert outbox[theirs[0].id] == ("pending", "w2", False)  # another worker's: untouched
    assert due[claimed.id] == (DueStatus.SCHEDULED, None, 0)  # the claim didn't count
    assert due[others.id] == (DueStatus.CLAIMED, "w2", 1)
    async with app.uow() as uow:  # recovery finds the cut-short send at once
        stuck = await uow.outbox.stuck(
            now=now + timedelta(seconds=1), limit=10, worker="w3", lease=LEASE
        )
    assert [m.id for m in stuck] == [mine[0].id]


async def test_the_scrape_gauges(app: Mentorhub) -> None:
    now = app.clock.now()
    ann, _ = await add_person(app, "ann", (Platform("telegram"), "", "1"))
    await queue_notice(app, ann, "a")
    async with app.uow() as uow:
        await uow.due.schedule([DueItem("pair:1", "checkin", 1, ann, now)], now=now)
        await uow.commit()
    found = await snapshot(app.engine, now + timedelta(minutes=5))
    assert found.outbox_pending == 1
    assert found.outbox_oldest_due == now
    assert found.due_now == {"checkin": 1}
    assert (found.active_programs, found.open_pairs, found.active_people) == (0, 0, 0)
