"""Several workers on PostgreSQL: one receives on each single-holder connection (Telegram
long polling, a Discord shard); when it dies, another takes over."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bots.receiving import ReceiverLease, lock_key
from bots.runner import start_messenger
from core.clock import ManualClock
from core.delivery import ExclusiveReceiver, MessengerFailed
from core.identity import Platform
from storage.db import create_engine
from tests.conftest import START, make_app

pytestmark = pytest.mark.timeout(20)
BOUND = 10.0  # seconds any wait below may take at most


class FakeReceiver:
    """A messenger's receiving side that records whether it receives; ``changed`` is set
    whenever anything happens to it (or its lease sleeps between tries)."""

    platform = Platform("telegram")

    def __init__(self, name: str | None = "telegram-polling:42") -> None:
        self.name = name
        self.receiving = False
        self.starts = self.stops = self.sending_starts = self.plain_starts = self.naps = 0
        self.changed = asyncio.Event()

    async def nap(self, _: float) -> None:
        """The lease's sleep between tries and checks: counted, and short."""
        self.naps += 1
        self.changed.set()
        await asyncio.sleep(0.005)

    async def start(self) -> None:
        self.plain_starts += 1
        self.receiving = True

    async def stop(self) -> None:
        self.receiving = False

    async def send(self, *args: object) -> None:
        return None

    async def start_sending(self) -> None:
        self.sending_starts += 1

    def receiver_name(self) -> str | None:
        return self.name

    async def start_receiving(self) -> None:
        self.starts += 1
        self.receiving = True
        self.changed.set()

    async def stop_receiving(self) -> None:
        self.stops += 1
        self.receiving = False
        self.changed.set()


async def eventually(condition: Callable[[], bool], what: str, *watched: FakeReceiver) -> None:
    """Wait (bounded) until ``condition`` holds, looking again whenever a receiver changes."""
    async with asyncio.timeout(BOUND):
        while not condition():
            for receiver in watched:
                receiver.changed.clear()
            waits = [asyncio.ensure_future(r.changed.wait()) for r in watched]
            try:
                await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for wait in waits:
                    wait.cancel()
    assert condition(), what


@pytest.fixture
async def engines(db_url: str) -> AsyncIterator[list[AsyncEngine]]:
    if not db_url.startswith("postgresql"):
        pytest.skip("advisory locks are PostgreSQL's; SQLite runs one process")
    made = [create_engine(db_url) for _ in range(3)]
    try:
        yield made
    finally:
        for engine in made:
            await engine.dispose()


def lease(engine: AsyncEngine, receiver: FakeReceiver) -> ReceiverLease:
    assert isinstance(receiver, ExclusiveReceiver)
    assert receiver.name is not None
    return ReceiverLease(
        engine, receiver, receiver.name, retry_seconds=0.01, check_seconds=0.01, sleep=receiver.nap
    )


def running(*leases: ReceiverLease) -> list[asyncio.Task[None]]:
    return [asyncio.create_task(each.run()) for each in leases]


async def stopped(tasks: list[asyncio.Task[None]]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def test_one_of_two_workers_receives_and_the_other_takes_over_when_it_stops(
    engines: list[AsyncEngine],
) -> None:
    both = (FakeReceiver(), FakeReceiver())
    tasks = running(lease(engines[0], both[0]), lease(engines[1], both[1]))
    try:
        await eventually(lambda: any(r.receiving for r in both), "someone receives", *both)
        holder, other = (0, 1) if both[0].receiving else (1, 0)
        tries = both[other].naps
        await eventually(lambda: both[other].naps >= tries + 5, "the other tries again", *both)
        assert [r.receiving for r in both].count(True) == 1

        tasks[holder].cancel()  # the holder shuts down
        await asyncio.gather(tasks[holder], return_exceptions=True)
        assert not both[holder].receiving and both[holder].stops == 1
        await eventually(lambda: both[other].receiving, "the other takes over", *both)
    finally:
        await stopped(tasks)
    assert not any(r.receiving for r in both)


async def test_a_receiver_that_failed_for_good_is_not_started_again(
    engines: list[AsyncEngine],
) -> None:
    refused = FakeReceiver()

    async def fail() -> None:
        refused.starts += 1
        raise MessengerFailed("Discord closed the gateway: authentication failed (4004)")

    refused.start_receiving = fail  # type: ignore[method-assign]
    tasks = running(lease(engines[0], refused))
    try:
        await asyncio.wait_for(tasks[0], BOUND)  # the lease ends instead of retrying
    finally:
        await stopped(tasks)
    assert refused.starts == 1
    async with engines[1].connect() as other:  # and the lock is free for another worker
        assert await other.scalar(
            text("SELECT pg_try_advisory_lock(:key)"), {"key": lock_key(refused.name or "")}
        )


async def test_a_worker_whose_database_session_dies_stops_receiving_and_another_takes_over(
    engines: list[AsyncEngine],
) -> None:
    first, second = FakeReceiver(), FakeReceiver()
    first_lease = lease(engines[0], first)
    tasks = running(first_lease)
    try:
        await eventually(lambda: first.receiving, "the first worker receives", first)
        tasks += running(lease(engines[1], second))
        await eventually(lambda: second.naps >= 5, "the second worker tries", second)
        assert not second.receiving

        # The first worker's session ends (a network cut, its backend killed).
        async with engines[2].connect() as admin:
            key = lock_key(first_lease.name)
            await admin.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = "
                    "'advisory' AND granted AND classid = :high AND objid = :low"
                ),
                {"high": (key >> 32) & 0xFFFF_FFFF, "low": key & 0xFFFF_FFFF},
            )
            await admin.commit()

        await eventually(lambda: second.receiving, "the second worker takes over", second)
        await eventually(lambda: not first.receiving, "the first one stops receiving", first)
        assert first.stops >= 1
    finally:
        await stopped(tasks)


async def test_different_connections_have_different_holders(engines: list[AsyncEngine]) -> None:
    telegram, discord = FakeReceiver("telegram-polling:42"), FakeReceiver("discord-gateway:7:0")
    tasks = running(lease(engines[0], telegram), lease(engines[1], discord))
    try:
        await eventually(
            lambda: telegram.receiving and discord.receiving, "both receive", telegram, discord
        )
    finally:
        await stopped(tasks)


async def test_the_runner_leases_only_where_workers_can_share_a_database(db_url: str) -> None:
    app = make_app(db_url, ManualClock(START))
    try:
        polling, webhook = FakeReceiver(), FakeReceiver(name=None)
        polling_lease = await start_messenger(app, polling)
        webhook_lease = await start_messenger(app, webhook)
    finally:
        await app.close()
    assert webhook_lease is None and webhook.receiving  # a webhook needs no holder
    if db_url.startswith("sqlite"):  # one process: everything starts at once
        assert polling_lease is None and polling.plain_starts == 1 and polling.receiving
    else:
        assert polling_lease is not None and polling_lease.name == "telegram-polling:42"
        assert polling.sending_starts == 1 and not polling.receiving  # the lease decides
