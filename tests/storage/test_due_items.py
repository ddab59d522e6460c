"""The due table on both databases: upsert, cancel, leased claims, catch-up coalescing."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import cast

import pytest

from bots.bootstrap import Mentorhub
from core.clock import ManualClock
from core.identity import Person
from core.ports import DueItem, DueStatus, UnitOfWorkFactory
from storage.tables import PersonRow
from storage.uow import SqlUnitOfWork

LEASE = timedelta(minutes=2)


async def add_people(app: Mentorhub, count: int) -> list[int]:
    async with app.uow() as uow:
        ids = []
        for i in range(count):
            person = await uow.people.add(
                Person(
                    handle=f"p{i}",
                    name=f"P {i}",
                    timezone="Europe/Berlin",
                    languages=("en",),
                    created_at=app.clock.now(),
                )
            )
            assert person.id is not None
            ids.append(person.id)
        await uow.commit()
    return ids


def item(
    person_id: int,
    due_at: datetime,
    *,
    subject: str = "pair:1",
    kind: str = "checkin",
    period: int = 1,
    **payload: object,
) -> DueItem:
    return DueItem(subject, kind, period, person_id, due_at, dict(payload))


@pytest.fixture
async def alice(app: Mentorhub) -> int:
    return (await add_people(app, 1))[0]


async def schedule(app: Mentorhub, *items: DueItem) -> None:
    async with app.uow() as uow:
        await uow.due.schedule(list(items), now=app.clock.now())
        await uow.commit()


async def claim(app: Mentorhub, worker: str = "w1", limit: int = 100) -> list[DueItem]:
    async with app.uow() as uow:
        claimed = await uow.due.claim(now=app.clock.now(), limit=limit, worker=worker, lease=LEASE)
        await uow.commit()
    return claimed


async def statuses(app: Mentorhub, subject: str = "pair:1") -> list[tuple[str, int, str]]:
    async with app.uow() as uow:
        return [(i.kind, i.period, i.status) for i in await uow.due.for_subject(subject)]


async def test_nothing_is_claimed_before_its_time(app: Mentorhub, alice: int) -> None:
    clock = cast(ManualClock, app.clock)
    await schedule(app, item(alice, clock.now() + timedelta(hours=1)))
    assert await claim(app) == []
    clock.advance(timedelta(hours=1))
    [claimed] = await claim(app)
    assert claimed.status == DueStatus.CLAIMED and claimed.locked_by == "w1"
    assert claimed.locked_until == clock.now() + LEASE and claimed.attempts == 1
    assert claimed.key == "pair:1:checkin:1"
    assert await claim(app, "w2") == []  # held by w1


async def test_claims_come_oldest_first_and_respect_the_limit(app: Mentorhub, alice: int) -> None:
    now = app.clock.now()
    await schedule(
        app, *(item(alice, now - timedelta(minutes=p), subject=f"pair:{p}") for p in range(5))
    )
    first = await claim(app, limit=2)
    assert [i.subject for i in first] == ["pair:4", "pair:3"]
    rest = await claim(app, limit=10)
    assert [i.subject for i in rest] == ["pair:2", "pair:1", "pair:0"]


async def test_an_expired_lease_is_claimed_again(app: Mentorhub, alice: int) -> None:
    clock = cast(ManualClock, app.clock)
    await schedule(app, item(alice, clock.now()))
    [first] = await claim(app, "dead-worker")
    clock.advance(LEASE - timedelta(seconds=1))
    assert await claim(app, "w2") == []
    clock.advance(timedelta(seconds=2))
    [again] = await claim(app, "w2")
    assert again.id == first.id and again.locked_by == "w2" and again.attempts == 2
    async with app.uow() as uow:  # the dead worker's late completion is refused
        assert (
            await uow.due.complete([first.id or 0], "done", now=clock.now(), worker="dead-worker")
            == []
        )
        assert await uow.due.complete([first.id or 0], "done", now=clock.now(), worker="w2") == [
            first.id
        ]
        await uow.commit()
    assert await statuses(app) == [("checkin", 1, "done")]


async def test_rescheduling_moves_due_at_and_takes_back_an_in_flight_item(
    app: Mentorhub, alice: int
) -> None:
    clock = cast(ManualClock, app.clock)
    now = clock.now()
    await schedule(app, item(alice, now))
    [claimed] = await claim(app)
    await schedule(app, item(alice, now + timedelta(days=1), note="moved"))  # agreement changed
    async with app.uow() as uow:
        assert await uow.due.hold([claimed.id or 0], now=now, worker="w1", lease=LEASE) == []
        [moved] = await uow.due.for_subject("pair:1")
    assert moved.status == "scheduled" and moved.locked_by is None
    assert moved.due_at == now + timedelta(days=1) and moved.payload == {"note": "moved"}
    assert await claim(app) == []


async def test_rescheduling_the_same_thing_changes_nothing(app: Mentorhub, alice: int) -> None:
    now = app.clock.now()
    await schedule(app, item(alice, now))
    [claimed] = await claim(app)
    await schedule(app, item(alice, now))  # a recomputation that came out the same
    async with app.uow() as uow:
        [still] = await uow.due.for_subject("pair:1")
    assert still.status == "claimed" and still.locked_by == "w1" and still.id == claimed.id


async def test_finished_items_are_never_revived_but_cancelled_ones_are(
    app: Mentorhub, alice: int
) -> None:
    now = app.clock.now()
    await schedule(app, item(alice, now, period=1), item(alice, now, period=2, subject="pair:2"))
    claimed = await claim(app)
    async with app.uow() as uow:
        await uow.due.complete([c.id or 0 for c in claimed if c.period == 1], "done", now=now)
        await uow.due.complete([c.id or 0 for c in claimed if c.period == 2], "cancelled", now=now)
        await uow.commit()
    later = now + timedelta(days=3)
    await schedule(
        app, item(alice, later, period=1), item(alice, later, period=2, subject="pair:2")
    )
    assert await statuses(app, "pair:1") == [("checkin", 1, "done")]
    assert await statuses(app, "pair:2") == [("checkin", 2, "scheduled")]


async def test_cancel_by_kind_period_and_person(app: Mentorhub) -> None:
    alice, bob = await add_people(app, 2)
    now = app.clock.now() + timedelta(days=1)
    await schedule(
        app,
        *(
            item(p, now, period=n, kind=k)
            for p in (alice, bob)
            for n in (1, 2, 3)
            for k in ("checkin", "reminder")
        ),
    )
    async with app.uow() as uow:
        assert await uow.due.cancel("pair:1", ["reminder"], 2, now=now) == 4
        assert await uow.due.cancel("pair:1", person_id=bob, now=now) == 4
        assert await uow.due.cancel("pair:9", now=now) == 0
        await uow.commit()
    left = [(k, n, s) for k, n, s in await statuses(app) if s == "scheduled"]
    assert left == [
        ("checkin", 1, "scheduled"),
        ("reminder", 1, "scheduled"),
        ("checkin", 2, "scheduled"),
        ("checkin", 3, "scheduled"),
    ]


async def test_catch_up_acts_on_the_latest_overdue_period_only(app: Mentorhub, alice: int) -> None:
    clock = cast(ManualClock, app.clock)
    start = clock.now()
    await schedule(
        app,
        *(item(alice, start + timedelta(days=7 * (p - 1)), period=p) for p in range(1, 6)),
        item(alice, start, kind="other"),
    )
    clock.advance(timedelta(days=15))  # we were down for two weeks: periods 1-3 are overdue
    claimed = await claim(app)
    assert sorted((c.kind, c.period) for c in claimed) == [("checkin", 3), ("other", 1)]
    assert await statuses(app) == [
        ("checkin", 1, "missed"),
        ("other", 1, "claimed"),
        ("checkin", 2, "missed"),
        ("checkin", 3, "claimed"),
        ("checkin", 4, "scheduled"),
        ("checkin", 5, "scheduled"),
    ]


async def test_defer_gives_the_item_back_for_later(app: Mentorhub, alice: int) -> None:
    clock = cast(ManualClock, app.clock)
    now = clock.now()
    await schedule(app, item(alice, now))
    [claimed] = await claim(app)
    async with app.uow() as uow:
        assert await uow.due.defer(claimed.id or 0, now + timedelta(hours=8), now=now, worker="w1")
        await uow.commit()
        assert await uow.due.next_due_at() == now + timedelta(hours=8)
    assert await claim(app) == []
    clock.advance(timedelta(hours=8))
    assert len(await claim(app)) == 1


async def test_purge_and_cascade(app: Mentorhub, alice: int) -> None:
    clock = cast(ManualClock, app.clock)
    now = clock.now()
    await schedule(app, item(alice, now), item(alice, now + timedelta(days=30), period=2))
    [claimed] = await claim(app)
    async with app.uow() as uow:
        await uow.due.complete([claimed.id or 0], "done", now=now)
        await uow.commit()
    clock.advance(timedelta(days=100))
    async with app.uow() as uow:
        assert await uow.due.purge(before=clock.now() - timedelta(days=90)) == 1
        await uow.commit()
    assert await statuses(app) == [("checkin", 2, "scheduled")]
    async with app.uow() as uow:  # deleting a person (privacy request) deletes their items
        session = cast(SqlUnitOfWork, uow).session
        await session.delete(await session.get(PersonRow, alice))
        await uow.commit()
    assert await statuses(app) == []


async def test_two_workers_on_two_engines_never_claim_the_same_item(
    app: Mentorhub, second_uow_factory: UnitOfWorkFactory
) -> None:
    people = await add_people(app, 10)
    now = app.clock.now()
    await schedule(
        app,
        *(
            item(people[i % 10], now - timedelta(seconds=i), subject=f"pair:{i}")
            for i in range(600)
        ),
    )
    factories = {"w1": app.uow, "w2": second_uow_factory}
    seen: dict[str, list[int]] = {"w1": [], "w2": []}

    async def work(worker: str) -> None:
        while True:
            async with factories[worker]() as uow:
                batch = await uow.due.claim(now=now, limit=25, worker=worker, lease=LEASE)
                await uow.commit()
            if not batch:
                return
            ids = [i.id for i in batch if i.id is not None]
            seen[worker].extend(ids)
            async with factories[worker]() as uow:
                done = await uow.due.complete(ids, "done", now=now, worker=worker)
                assert len(done) == len(batch)
                await uow.commit()
            await asyncio.sleep(0)

    await asyncio.gather(work("w1"), work("w2"))
    assert not set(seen["w1"]) & set(seen["w2"])
    assert len(seen["w1"]) + len(seen["w2"]) == 600
    # (which worker got how many is up to the database; on SQLite one may take them all)


async def test_find_reads_one_item_by_its_key(app: Mentorhub) -> None:
    alice, bob = await add_people(app, 2)
    now = app.clock.now()
    await schedule(
        app, item(alice, now, period=1), item(bob, now, period=1), item(alice, now, period=2)
    )
    async with app.uow() as uow:
        found = await uow.due.find("pair:1", "checkin", 2, alice)
        assert found is not None and (found.person_id, found.period) == (alice, 2)
        assert found.status == DueStatus.SCHEDULED
        assert await uow.due.find("pair:1", "checkin", 3, alice) is None
        assert await uow.due.find("pair:2", "checkin", 1, alice) is None
