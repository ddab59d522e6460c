"""Dispatching due items: handlers, outbox in the same transaction, catch-up, crashes."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import cast

import pytest

from bots.bootstrap import Mentorhub
from core.clock import ManualClock
from core.dashboard.records import AuditEntry
from core.delivery import Messenger
from core.dispatch import (
    Defer,
    DueHandler,
    Missed,
    Verdict,
    WorkContext,
    dispatch_due,
    respect_quiet_hours,
    run_weekly_digest,
)
from core.housekeeping import housekeep
from core.identity import Platform
from core.messages import Notice, Reply
from core.ports import DueItem, UnitOfWorkFactory
from tests.console_harness import ConsoleSession
from tests.core.scheduling_helpers import SimulatedCrash, add_person
from tests.storage.helpers import pending_outbox

LEASE = timedelta(minutes=2)


class Recorder:
    """A handler that nudges the item's person and remembers what it was called with."""

    def __init__(self, verdict: Verdict | None = None) -> None:
        self.seen: list[tuple[str, int]] = []
        self.verdict = verdict

    async def __call__(self, ctx: WorkContext, item: DueItem) -> Verdict:
        self.seen.append((item.subject, item.period))
        if self.verdict is not None:
            return self.verdict
        reply = Reply(f"{item.kind} #{item.period}", title=item.payload.get("title"))
        return [Notice(item.person_id, reply, key=item.key)]


async def schedule(app: Mentorhub, *items: DueItem) -> None:
    async with app.uow() as uow:
        await uow.due.schedule(list(items), now=app.clock.now())
        await uow.commit()


async def run(app: Mentorhub, handlers: dict[str, DueHandler], **kwargs: object):  # type: ignore[no-untyped-def]
    return await dispatch_due(
        app.uow_factory,
        app.clock,
        handlers,
        worker="w1",
        lease=LEASE,
        **kwargs,  # type: ignore[arg-type]
    )


async def outbox_keys(app: Mentorhub) -> list[tuple[int, str, str]]:
    async with app.uow() as uow:
        messages = await pending_outbox(uow, now=app.clock.now() + timedelta(days=999))
    return sorted((m.person_id, m.key, str(m.payload["text"])) for m in messages)


async def status_of(app: Mentorhub, subject: str) -> list[tuple[int, str]]:
    async with app.uow() as uow:
        return [(i.period, i.status) for i in await uow.due.for_subject(subject)]


async def test_a_due_item_becomes_one_outbox_message(sqlite_app: Mentorhub) -> None:
    app = sqlite_app
    alice, _ = await add_person(app, "alice")
    now = app.clock.now()
    await schedule(
        app,
        DueItem("pair:1", "checkin", 1, alice, now, {"title": "Check-in"}),
        DueItem("pair:1", "checkin", 2, alice, now + timedelta(days=7)),
    )
    handler = Recorder()
    report = await run(app, {"checkin": handler})
    assert (report.claimed, report.done, report.notices) == (1, 1, 1)
    assert await outbox_keys(app) == [(alice, "pair:1:checkin:1", "checkin #1")]
    assert await status_of(app, "pair:1") == [(1, "done"), (2, "scheduled")]
    again = await run(app, {"checkin": handler})
    assert again.claimed == 0 and handler.seen == [("pair:1", 1)]


async def test_verdicts_missed_and_defer(sqlite_app: Mentorhub) -> None:
    app = sqlite_app
    clock = cast(ManualClock, app.clock)
    alice, _ = await add_person(app, "alice")
    now = clock.now()
    await schedule(
        app,
        DueItem("pair:1", "stale", 1, alice, now),
        DueItem("pair:1", "later", 1, alice, now),
    )
    handlers: dict[str, DueHandler] = {
        "stale": Recorder(Missed("the check-in period ended while we were down")),
        "later": Recorder(Defer(now + timedelta(hours=3), "quiet hours")),
    }
    report = await run(app, handlers)
    assert (report.missed, report.deferred, report.notices) == (1, 1, 0)
    async with app.uow() as uow:
        items = {i.kind: i for i in await uow.due.for_subject("pair:1")}
    assert items["stale"].status == "missed"
    assert items["later"].status == "scheduled"
    assert items["later"].due_at == now + timedelta(hours=3)
    assert await outbox_keys(app) == []


async def test_catch_up_after_downtime_nudges_once(sqlite_app: Mentorhub) -> None:
    app = sqlite_app
    clock = cast(ManualClock, app.clock)
    alice, _ = await add_person(app, "alice")
    start = clock.now()
    await schedule(
        app,
        *(
            DueItem("pair:1", "checkin", p, alice, start + timedelta(days=7 * (p - 1)))
            for p in range(1, 6)
        ),
    )
    clock.advance(timedelta(days=22))  # down for three weeks: periods 1-4 are overdue
    handler = Recorder()
    report = await run(app, {"checkin": handler})
    assert handler.seen == [("pair:1", 4)]
    assert report.notices == 1
    assert await status_of(app, "pair:1") == [
        (1, "missed"),
        (2, "missed"),
        (3, "missed"),
        (4, "done"),
        (5, "scheduled"),
    ]


async def test_a_crash_before_commit_keeps_nothing_and_the_retry_acts_once(
    sqlite_app: Mentorhub,
) -> None:
    app = sqlite_app
    clock = cast(ManualClock, app.clock)
    alice, _ = await add_person(app, "alice")
    await schedule(app, DueItem("pair:1", "checkin", 1, alice, clock.now()))
    handler = Recorder()

    async def crashing(ctx: WorkContext, item: DueItem) -> Verdict:
        await handler(ctx, item)
        raise SimulatedCrash

    with pytest.raises(SimulatedCrash):
        await run(app, {"checkin": crashing})
    assert await outbox_keys(app) == []  # rolled back with the transaction
    assert (await run(app, {"checkin": handler})).claimed == 0  # still leased
    clock.advance(LEASE + timedelta(seconds=1))
    report = await run(app, {"checkin": handler})
    assert report.done == 1 and len(handler.seen) == 2
    assert await outbox_keys(app) == [(alice, "pair:1:checkin:1", "checkin #1")]


async def test_a_failing_handler_does_not_hold_up_the_batch(sqlite_app: Mentorhub) -> None:
    app = sqlite_app
    clock = cast(ManualClock, app.clock)
    alice, _ = await add_person(app, "alice")
    now = clock.now()
    await schedule(app, *(DueItem(f"pair:{n}", "checkin", 1, alice, now) for n in range(4)))
    good = Recorder()

    async def flaky(ctx: WorkContext, item: DueItem) -> Verdict:
        if item.subject == "pair:2":
            raise RuntimeError("the domain has a bug")
        return await good(ctx, item)

    report = await run(app, {"checkin": flaky})
    assert (report.done, report.errors) == (3, 1)
    assert len(await outbox_keys(app)) == 3
    for _ in range(5):  # retried after each lease, then given up on
        clock.advance(LEASE + timedelta(seconds=1))
        report = await run(app, {"checkin": flaky}, max_attempts=3)
    assert await status_of(app, "pair:2") == [(1, "failed")]


async def test_an_unknown_kind_is_retried_not_dropped(sqlite_app: Mentorhub) -> None:
    app = sqlite_app
    clock = cast(ManualClock, app.clock)
    alice, _ = await add_person(app, "alice")
    await schedule(app, DueItem("pair:1", "new_kind", 1, alice, clock.now()))
    assert (await run(app, {})).errors == 1
    clock.advance(LEASE + timedelta(seconds=1))
    handler = Recorder()
    assert (await run(app, {"new_kind": handler})).done == 1  # the deploy brought it


async def test_the_quiet_hours_wrapper_defers(sqlite_app: Mentorhub) -> None:
    app = sqlite_app
    clock = cast(ManualClock, app.clock)  # 09:00 UTC: 10:00 in Berlin, 04:00 in New York
    berlin, _ = await add_person(app, "berlin")
    new_york, _ = await add_person(app, "newyork", timezone="America/New_York")
    now = clock.now()
    await schedule(
        app,
        DueItem("pair:1", "checkin", 1, berlin, now),
        DueItem("pair:1", "checkin", 1, new_york, now),
    )
    handler = Recorder()
    report = await run(app, {"checkin": respect_quiet_hours(handler)})
    assert (report.done, report.deferred) == (1, 1)
    async with app.uow() as uow:
        items = {i.person_id: i for i in await uow.due.for_subject("pair:1")}
    assert items[new_york].due_at == now + timedelta(hours=4)  # 08:00 in New York


async def test_weekly_digest_is_sent_once_per_week(sqlite_app: Mentorhub) -> None:
    app = sqlite_app
    clock = cast(ManualClock, app.clock)
    coordinator, _ = await add_person(app, "coord")

    async def digest(ctx: WorkContext) -> list[Notice]:
        return [Notice(coordinator, Reply("3 active pairs"), key="")]

    assert await run_weekly_digest(app.uow_factory, clock, digest) == 1
    assert await run_weekly_digest(app.uow_factory, clock, digest) == 0  # second worker
    assert await outbox_keys(app) == [(coordinator, "digest:2026-W10", "3 active pairs")]
    clock.advance(timedelta(days=7))
    assert await run_weekly_digest(app.uow_factory, clock, digest) == 1
    assert await run_weekly_digest(app.uow_factory, clock, None) == 0


async def test_housekeeping_purges_what_is_old(sqlite_app: Mentorhub) -> None:
    app = sqlite_app
    clock = cast(ManualClock, app.clock)
    alice, _ = await add_person(app, "alice", (Platform("console"), "", "alice"))
    await schedule(app, DueItem("pair:1", "checkin", 1, alice, clock.now()))
    await run(app, {"checkin": Recorder()})
    app.outlets.add(cast(Messenger, _Null()))
    assert (await app.deliver()).sent == 1
    clock.advance(timedelta(days=500))
    report = await housekeep(app.uow_factory, clock)
    assert (report.outbox, report.due_items) == (1, 1)


class _Null:
    platform = Platform("console")

    async def send(self, account: object, reply: Reply) -> None:
        return None


async def test_two_workers_dispatch_the_same_due_set_without_duplicates(
    app: Mentorhub, second_uow_factory: UnitOfWorkFactory
) -> None:
    """Two engines = two processes as far as the database can tell (SQLite and PG)."""
    people = [(await add_person(app, f"p{n}"))[0] for n in range(5)]
    now = app.clock.now()
    await schedule(
        app, *(DueItem(f"pair:{n}", "checkin", 1, people[n % 5], now) for n in range(300))
    )
    handler = Recorder()

    async def worker(name: str, factory: UnitOfWorkFactory) -> None:
        for _ in range(30):
            report = await dispatch_due(
                factory, app.clock, {"checkin": handler}, worker=name, batch=20, max_batches=1
            )
            if report.claimed == 0:
                return
            await asyncio.sleep(0)

    await asyncio.gather(worker("w1", app.uow_factory), worker("w2", second_uow_factory))
    assert sorted(handler.seen) == sorted((f"pair:{n}", 1) for n in range(300))
    assert len(await outbox_keys(app)) == 300


async def test_housekeeping_keeps_the_dashboards_audit_for_400_days(sqlite_app: Mentorhub) -> None:
    app = sqlite_app
    clock = cast(ManualClock, app.clock)
    c = ConsoleSession(app)
    await c.register("cora", "Cora Lead", "Europe/London")
    await c.say("cora", "newprogram prog Test program")
    async with app.uow_factory() as uow:
        program = await uow.programs.by_slug("prog")
        assert program is not None and program.id is not None
        for days_ago in (401, 399):
            at = clock.now() - timedelta(days=days_ago)
            await uow.web.audit(AuditEntry(None, program.id, "settings", "", "ok", at))
        await uow.commit()
    report = await housekeep(app.uow_factory, clock)
    assert report.web_audit == 1
    async with app.uow_factory() as uow:
        kept = await uow.web.recent_audit(program.id, 10)
    assert [entry.at for entry in kept] == [clock.now() - timedelta(days=399)]
