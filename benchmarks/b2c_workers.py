"""B2c: two worker processes on one PostgreSQL share the due items of each round.

Each round schedules N items due now; every worker runs the real dispatch use case
(claim with FOR UPDATE SKIP LOCKED, a handler that returns one notice, outbox insert and
completion in one transaction) until nothing is left. We count, per round, items handled
twice (duplicates) and items never handled (misses), check the outbox holds exactly N
notices, and compare the round time of two workers with one. The two configurations
take turns round by round (the same two worker processes; in a one-worker round the
second has nothing to do), so each pair of rounds meets the same machine load: each
pair gives one speed-up, the median decides the target and the range is printed.

APScheduler 3 has no counterpart: its job stores "must never be shared between
schedulers", so the naive design cannot run two workers at all.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text

from benchmarks.b2_schedules import seed_people, uow_factory
from benchmarks.common import Scale, Section, drop_pg, fresh_pg, median, percentile, secs
from core.clock import SystemClock
from core.dispatch import WorkContext, dispatch_due
from core.messages import Notice, Reply
from core.ports import DueItem

DB_NAME = "mentorhub_bench_b2c"
BATCH = 500
PEOPLE = 1000


def worker_main(url: str, name: str, commands: Any, results: Any) -> None:
    asyncio.run(_worker(url, name, commands, results))


async def _worker(url: str, name: str, commands: Any, results: Any) -> None:
    engine, factory = uow_factory(url)
    loop = asyncio.get_running_loop()
    seen: list[int] = []

    async def nudge(ctx: WorkContext, item: DueItem) -> list[Notice]:
        assert item.id is not None
        seen.append(item.id)
        return [Notice(item.person_id, Reply("Time for your weekly check-in"), key=item.key)]

    # warm up the connection pool and statement caches
    await dispatch_due(factory, SystemClock(), {"nudge": nudge}, worker=name, batch=1)
    results.put(("ready", name))
    while (command := await loop.run_in_executor(None, commands.get)) != "stop":
        seen.clear()
        while True:
            report = await dispatch_due(
                factory,
                SystemClock(),
                {"nudge": nudge},
                worker=name,
                batch=BATCH,
                max_batches=1,
            )
            if report.claimed == 0:
                break
        results.put(("done", name, list(seen), command))
    await engine.dispose()


async def schedule_round(url: str, tag: str, count: int) -> None:
    engine, factory = uow_factory(url)
    due = datetime.now(UTC) - timedelta(seconds=1)
    try:
        async with factory() as uow:
            await uow.due.schedule(
                [DueItem(f"{tag}:pair:{i}", "nudge", 1, 1 + i % PEOPLE, due) for i in range(count)],
                now=due,
            )
            await uow.commit()
    finally:
        await engine.dispose()


async def outbox_count(url: str, tag: str) -> int:
    engine, _ = uow_factory(url)
    try:
        async with engine.connect() as conn:
            found = await conn.execute(
                text("SELECT count(*) FROM outbox WHERE key LIKE :tag"), {"tag": f"{tag}:%"}
            )
            return int(found.scalar_one())
    finally:
        await engine.dispose()


async def run_rounds(url: str, rounds: int, count: int) -> dict[int, dict[str, Any]]:
    """``rounds`` pairs of rounds, one worker then two (or two then one, alternately)."""
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    queues = [context.Queue() for _ in range(2)]
    processes = [
        context.Process(target=worker_main, args=(url, f"w{n}", queues[n], results))
        for n in range(2)
    ]
    for process in processes:
        process.start()
    loop = asyncio.get_running_loop()
    found: dict[int, dict[str, Any]] = {
        workers: {"times": [], "duplicates": 0, "misses": 0, "outbox_ok": True, "shares": []}
        for workers in (1, 2)
    }
    try:
        for _ in processes:
            ready = await loop.run_in_executor(None, results.get, True, 120)
            assert ready[0] == "ready", ready
        for round_number in range(rounds):
            for workers in (1, 2) if round_number % 2 == 0 else (2, 1):
                result = found[workers]
                tag = f"c{workers}r{round_number}"
                await schedule_round(url, tag, count)
                started = time.perf_counter()
                for queue in queues[:workers]:
                    queue.put(tag)
                handled: list[int] = []
                per_worker = []
                for _ in range(workers):
                    message = await loop.run_in_executor(None, results.get, True, 600)
                    handled.extend(message[2])
                    per_worker.append(len(message[2]))
                result["times"].append(time.perf_counter() - started)
                result["duplicates"] += len(handled) - len(set(handled))
                result["misses"] += count - len(set(handled))
                result["outbox_ok"] &= await outbox_count(url, tag) == count
                result["shares"].append(per_worker)
        return found
    finally:
        for queue in queues:
            queue.put("stop")
        for process in processes:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()


async def run(scale: Scale) -> list[Section]:
    section = Section("B2c", "two workers on PostgreSQL share the due set")
    if not scale.pg_url:
        section.skip("all targets", "needs --pg URL or MENTORHUB_TEST_DATABASE_URL")
        return [section]
    rounds = scale.pick(6, 10)
    count = scale.pick(5_000, 10_000)
    url = await fresh_pg(scale.pg_url, DB_NAME)
    try:
        await seed_people(url, PEOPLE)
        found = await run_rounds(url, rounds, count)
    finally:
        await drop_pg(scale.pg_url, DB_NAME)
    one, two = found[1], found[2]
    ratios = [a / b for a, b in zip(one["times"], two["times"], strict=True)]
    speedup = median(ratios)
    for label, result, workers in (("one worker", one, 1), ("two workers", two, 2)):
        section.row(
            f"{label}: round of {count:,}",
            f"p50 {secs(median(result['times']))}, p99 {secs(percentile(result['times'], 99))}"
            f" ({count / median(result['times']):,.0f} items/s)",
        )
        section.row(
            f"  duplicates / misses ({rounds} rounds)",
            f"{result['duplicates']} / {result['misses']}",
            "APScheduler 3: one scheduler per job store, no second worker" if workers == 2 else "",
        )
    split = [f"{a}/{b}" for a, b in two["shares"]]
    section.row(
        "  items per worker, by round", ", ".join(split[:5]) + (" …" if len(split) > 5 else "")
    )
    ratio_range = f"{min(ratios):.2f}–{max(ratios):.2f}×"
    section.row(
        "speed-up, pairs of rounds", f"median {speedup:.2f}×, range {ratio_range} ({rounds} pairs)"
    )
    total_dups = one["duplicates"] + two["duplicates"]
    total_misses = one["misses"] + two["misses"]
    section.check("0 duplicates", total_dups == 0, str(total_dups))
    outbox_exact = one["outbox_ok"] and two["outbox_ok"]
    section.check(
        "0 misses (and exactly one outbox row each)",
        total_misses == 0 and outbox_exact,
        f"{total_misses} missed; outbox {'exact' if outbox_exact else 'WRONG'}",
    )
    section.check(
        "≥ 1.3× one worker (median of paired rounds)",
        speedup >= 1.3,
        f"{speedup:.2f}× (range {ratio_range} over {rounds} pairs)",
    )
    return [section]
