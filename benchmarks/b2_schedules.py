"""B2 and B2b: the due table against APScheduler with one job per pair.

B2  create 100k schedules (one transaction); claim and advance 1,000 due of 1M on SQLite
    WAL — beside APScheduler 3's SQLAlchemyJobStore (same SQLite WAL settings), measured
    on a smaller N and compared per operation. The firing ratio is measured in several
    interleaved rounds (APScheduler fires 1,000, we claim and advance 1,000, again and
    again), so both sides meet the same machine load; its median decides the target and
    its range is printed beside it.
B2b RSS growth while 1M schedules are created, and the time from process start to the
    first overdue item claimed — beside APScheduler's in-memory store, which has to be
    rebuilt (and held in RAM) after every restart.

Memory and restart are measured in child processes (`python -m benchmarks.b2_schedules
<probe> …`) so that nothing else in the parent inflates the numbers.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

from benchmarks.common import (
    Scale,
    Section,
    fresh_sqlite,
    median,
    ms,
    percentile,
    rss_mib,
    secs,
    size_mib,
)
from core.clock import ManualClock
from core.dispatch import WorkContext, dispatch_due
from core.ports import DueItem, UnitOfWork
from storage.db import create_engine, session_factory
from storage.tables import PersonRow
from storage.uow import SqlUnitOfWork

PEOPLE = 1000
# Row i is due at origin + i * STEP: 1,000 rows come due per 10 minutes, a synchronized
# "Monday 09:00 local" burst spread by jitter — what the poller meets every few seconds.
STEP = timedelta(seconds=0.6)
LEASE = timedelta(minutes=2)
ROOT = Path(__file__).resolve().parent.parent

# ---------------------------------------------------------------------------- our side


def uow_factory(url: str) -> tuple[Any, Any]:
    engine = create_engine(url)
    sessions = session_factory(engine)
    return engine, (lambda: cast(UnitOfWork, SqlUnitOfWork(sessions)))


async def seed_people(url: str, count: int = PEOPLE) -> None:
    engine = create_engine(url)
    now = datetime.now(UTC)
    rows = [
        {
            "handle": f"p{i}",
            "name": f"P {i}",
            "timezone": "Europe/Berlin",
            "languages": ["en"],
            "quiet_start": 21,
            "quiet_end": 8,
            "created_at": now,
            "paused_until": None,
        }
        for i in range(count)
    ]
    try:
        async with engine.begin() as conn:
            await conn.execute(PersonRow.__table__.insert(), rows)  # type: ignore[attr-defined]
    finally:
        await engine.dispose()


def items(start: int, stop: int, origin: datetime, period: int = 1) -> list[DueItem]:
    return [
        DueItem(f"pair:{i}", "checkin", period, 1 + i % PEOPLE, origin + i * STEP, {"week": 1})
        for i in range(start, stop)
    ]


async def our_create(url: str, count: int) -> float:
    """Seconds to upsert ``count`` schedules in one transaction (items built beforehand)."""
    engine, factory = uow_factory(url)
    batch = items(0, count, datetime(2030, 1, 1, tzinfo=UTC))
    try:
        started = time.perf_counter()
        async with factory() as uow:
            await uow.due.schedule(batch, now=datetime.now(UTC))
            await uow.commit()
        elapsed = time.perf_counter() - started
        async with engine.begin() as conn:
            await conn.exec_driver_sql("DELETE FROM due_item")
        return elapsed
    finally:
        await engine.dispose()


async def fill(url: str, count: int, origin: datetime, chunk: int = 20_000) -> dict[str, float]:
    """Create ``count`` schedules through the repository, chunk by chunk; RSS before/after."""
    engine, factory = uow_factory(url)
    before = rss_mib()
    peak = before
    started = time.perf_counter()
    try:
        for start in range(0, count, chunk):
            async with factory() as uow:
                await uow.due.schedule(
                    items(start, min(count, start + chunk), origin), now=datetime.now(UTC)
                )
                await uow.commit()
            peak = max(peak, rss_mib())
    finally:
        await engine.dispose()
    return {
        "seconds": time.perf_counter() - started,
        "rss_before": before,
        "rss_after": rss_mib(),
        "rss_peak": peak,
    }


async def claim_and_advance_rounds(
    url: str, origin: datetime, rounds: int, first_round: int, polls: int = 200
) -> dict[str, list[float]]:
    """Each round the next 1,000 rows come due: claim them (one transaction), mark them
    done (another). The next periods are rows already: an agreement schedules all of
    its periods when it is confirmed (that cost is the "create" measurement)."""
    engine, factory = uow_factory(url)
    timings: dict[str, list[float]] = {"round": [], "claim": [], "advance": [], "poll": []}
    try:
        for n in range(first_round, first_round + rounds):
            now = origin + ((n + 1) * 1000 - 1) * STEP
            started = time.perf_counter()
            async with factory() as uow:
                claimed = await uow.due.claim(now=now, limit=1000, worker="bench", lease=LEASE)
                await uow.commit()
            claimed_at = time.perf_counter()
            async with factory() as uow:
                ids = [item.id for item in claimed if item.id is not None]
                await uow.due.complete(ids, "done", now=now, worker="bench")
                await uow.commit()
            done = time.perf_counter()
            assert len(claimed) == 1000, f"round {n}: claimed {len(claimed)}"
            timings["round"].append(done - started)
            timings["claim"].append(claimed_at - started)
            timings["advance"].append(done - claimed_at)
        if not polls:
            return timings
        async with factory() as uow:
            next_due = await uow.due.next_due_at()
        assert next_due is not None
        quiet = next_due - timedelta(milliseconds=1)  # nothing due yet
        for _ in range(polls):
            started = time.perf_counter()
            async with factory() as uow:
                assert await uow.due.claim(now=quiet, limit=500, worker="b", lease=LEASE) == []
                await uow.commit()
            timings["poll"].append(time.perf_counter() - started)
    finally:
        await engine.dispose()
    return timings


async def dispatch_rounds(url: str, origin: datetime, rounds: int, first_round: int) -> list[float]:
    """The same 1,000-due rounds through the dispatch use case with a trivial handler."""
    engine, factory = uow_factory(url)
    clock = ManualClock(origin)

    async def nothing(ctx: WorkContext, item: DueItem) -> list[Any]:
        return []

    times = []
    try:
        for n in range(first_round, first_round + rounds):
            clock.set(origin + ((n + 1) * 1000 - 1) * STEP)
            started = time.perf_counter()
            report = await dispatch_due(
                factory, clock, {"checkin": nothing}, worker="bench", batch=1000, max_batches=1
            )
            times.append(time.perf_counter() - started)
            assert report.done == 1000, report
    finally:
        await engine.dispose()
    return times


# ---------------------------------------------------------------------------- APScheduler

NAIVE_RUNS = 0


def naive_nudge(pair: int) -> None:
    global NAIVE_RUNS
    NAIVE_RUNS += 1


def naive_scheduler(store: Any) -> Any:
    from apscheduler.executors.debug import DebugExecutor
    from apscheduler.schedulers.base import BaseScheduler

    class DrivenScheduler(BaseScheduler):  # type: ignore[misc]
        """APScheduler's own job processing, driven by us instead of a timer thread."""

        def wakeup(self) -> None:
            pass

        def shutdown(self, wait: bool = True) -> None:
            super().shutdown(wait)

    scheduler = DrivenScheduler(
        jobstores={"default": store}, executors={"default": DebugExecutor()}, timezone=UTC
    )
    scheduler.start()
    return scheduler


def sqlite_wal_engine(path: Path) -> Any:
    from sqlalchemy import create_engine as create_sync_engine
    from sqlalchemy import event

    engine = create_sync_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def _wal(dbapi_connection: Any, _record: Any) -> None:  # same settings as ours
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return engine


class NaiveJobStore:
    """APScheduler 3 with a SQLAlchemyJobStore holding ``count`` jobs, a job per pair;
    :meth:`fire` makes ``due`` of them due (not timed) and times APScheduler's own job
    processing firing them."""

    def __init__(self, path: Path, count: int, due: int) -> None:
        from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore

        self.count, self.due, self.rounds = count, due, 0
        self.engine = sqlite_wal_engine(path)
        self.scheduler = naive_scheduler(SQLAlchemyJobStore(engine=self.engine))
        now = datetime.now(UTC)
        started = time.perf_counter()
        for i in range(count):
            later = now + timedelta(days=1, seconds=i)
            self.scheduler.add_job(
                naive_nudge,
                "interval",
                days=14,
                args=[i],
                id=f"pair:{i}",
                next_run_time=now - timedelta(seconds=1) if i < due else later,
                misfire_grace_time=None,
                coalesce=True,
                max_instances=1,
            )
        self.create = time.perf_counter() - started

    def fire(self) -> float:
        global NAIVE_RUNS
        if self.rounds:  # make another set due (not timed)
            first = (self.rounds * self.due) % max(1, self.count - self.due)
            for i in range(first, first + self.due):
                self.scheduler.modify_job(f"pair:{i}", next_run_time=datetime.now(UTC))
        self.rounds += 1
        NAIVE_RUNS = 0
        started = time.perf_counter()
        self.scheduler._process_jobs()
        elapsed = time.perf_counter() - started
        assert self.due == NAIVE_RUNS, f"APScheduler ran {NAIVE_RUNS} of {self.due}"
        return elapsed

    def close(self) -> None:
        self.scheduler.shutdown(wait=False)
        self.engine.dispose()


async def interleaved_fire_ratios(
    naive: NaiveJobStore, url: str, origin: datetime, blocks: int, first_round: int
) -> dict[str, list[float]]:
    """``blocks`` times: APScheduler fires 1,000 due jobs, then we claim and advance the
    next 1,000 due (median of 3 rounds). Each block gives one ratio, under whatever load
    the machine had just then."""
    found: dict[str, list[float]] = {"naive": [], "ours": [], "ratio": []}
    for block in range(blocks):
        naive_s = naive.fire()
        rounds = await claim_and_advance_rounds(
            url, origin, 3, first_round=first_round + 3 * block, polls=0
        )
        ours_s = median(rounds["round"])
        found["naive"].append(naive_s)
        found["ours"].append(ours_s)
        found["ratio"].append(naive_s / ours_s)
    return found


# ---------------------------------------------------------------------------- child probes


def probe_fill(url: str, count: int, origin: str) -> None:
    result = asyncio.run(fill(url, count, datetime.fromisoformat(origin)))
    print(json.dumps(result), flush=True)


def probe_restart(url: str) -> None:
    """Start like `mentorhub run` and report when the first overdue item is claimed."""
    from bots.bootstrap import build
    from bots.config import Config, DatabaseConfig
    from bots.runner import prepare_database

    async def main() -> None:
        first: list[float] = []

        async def record(ctx: WorkContext, item: DueItem) -> list[Any]:
            if not first:
                first.append(time.perf_counter())
                print(json.dumps({"claimed_at": time.time()}), flush=True)
            return []

        app = build(Config(database=DatabaseConfig(url=url)), due_handlers={"checkin": record})
        await prepare_database(app)
        await app.dispatch()
        await app.close()

    asyncio.run(main())


def probe_naive_memory(count: int) -> None:
    """RSS growth and time to (re)build ``count`` jobs in APScheduler's memory store."""
    from apscheduler.jobstores.memory import MemoryJobStore

    scheduler = naive_scheduler(MemoryJobStore())
    now = datetime.now(UTC)
    before = rss_mib()
    started = time.perf_counter()
    for i in range(count):
        scheduler.add_job(
            naive_nudge,
            "interval",
            days=14,
            args=[i],
            id=f"pair:{i}",
            next_run_time=now + timedelta(days=1, seconds=i),
            misfire_grace_time=None,
        )
    elapsed = time.perf_counter() - started
    print(json.dumps({"seconds": elapsed, "rss_before": before, "rss_after": rss_mib()}))


def child(*args: str) -> tuple[dict[str, Any], float]:
    """Run a probe in a fresh interpreter; returns its JSON and the parent's spawn time."""
    spawned = time.time()
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.b2_schedules", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=3600,
    )
    return json.loads(out.stdout.strip().splitlines()[-1]), spawned


# ---------------------------------------------------------------------------- scenarios


async def run_b2(scale: Scale, work: Path) -> list[Section]:
    create_n = 100_000
    big_n = 1_000_000
    naive_n = scale.pick(5_000, 10_000)
    rounds = scale.pick(10, 30)
    blocks = scale.pick(8, 15)  # interleaved firing rounds for the ratio
    create_reps = scale.pick(1, 3)
    mem_n = scale.pick(20_000, 100_000)

    # --- create 100k ------------------------------------------------------------------
    url = await fresh_sqlite(work / "b2-create.db")
    await seed_people(url)
    creates = [await our_create(url, create_n) for _ in range(create_reps)]
    naive = NaiveJobStore(work / "b2-apscheduler.db", naive_n, 1000)
    ours_create = median(creates)
    naive_create_100k = naive.create / naive_n * create_n

    # --- B2b: fill 1M in a child, then restart probe -------------------------------------
    big_url = await fresh_sqlite(work / "b2-1m.db")
    await seed_people(big_url)
    origin = datetime.now(UTC) - 20 * STEP  # rows 0-19 are overdue when the probe starts
    filled, _ = child("fill", big_url, str(big_n), origin.isoformat())
    restart, spawned = child("restart", big_url)
    restart_s = restart["claimed_at"] - spawned
    memory, _ = child("naive-memory", str(mem_n))
    naive_growth_1m = (memory["rss_after"] - memory["rss_before"]) / mem_n * big_n
    naive_rebuild_1m = memory["seconds"] / mem_n * big_n

    # --- claim and advance 1,000 due of 1M -----------------------------------------------
    timings = await claim_and_advance_rounds(big_url, origin, rounds, first_round=1)
    dispatch_n = scale.pick(5, 10)
    dispatch = await dispatch_rounds(big_url, origin, dispatch_n, first_round=1 + rounds)
    ours_round = median(timings["round"])
    fire = await interleaved_fire_ratios(
        naive, big_url, origin, blocks, first_round=1 + rounds + dispatch_n
    )
    naive.close()
    naive_fire = median(fire["naive"])

    b2 = Section("B2", "create 100k schedules; claim and advance 1,000 due of 1M (SQLite WAL)")
    b2.row(
        "create 100k schedules",
        f"{secs(ours_create)} (median of {create_reps})",
        f"{secs(naive_create_100k)} (APScheduler SQLAlchemyJobStore, "
        f"{naive_n:,} jobs in {secs(naive.create)}, scaled)",
    )
    b2.row(
        "  per schedule",
        f"{ours_create / create_n * 1e6:.1f} µs",
        f"{naive.create / naive_n * 1e6:.0f} µs",
    )
    b2.row(
        "claim + advance 1,000 due",
        f"p50 {ms(ours_round)}, p99 {ms(percentile(timings['round'], 99))} "
        f"({rounds} rounds, 1M rows)",
        f"p50 {ms(naive_fire)}, range {ms(min(fire['naive']))}–{ms(max(fire['naive']))} "
        f"({blocks} rounds; APScheduler fires 1,000 due of {naive_n:,}: a commit per job)",
    )
    b2.row(
        "  of which claim / mark done",
        f"{ms(median(timings['claim']))} / {ms(median(timings['advance']))}",
    )
    fire_x = median(fire["ratio"])
    fire_range = f"{min(fire['ratio']):.1f}–{max(fire['ratio']):.1f}×"
    b2.row(
        "  firing ratio, interleaved rounds",
        f"median {fire_x:.1f}×, range {fire_range} over {blocks} rounds "
        f"(ours p50 {ms(median(fire['ours']))} in them)",
    )
    b2.row("dispatch_due, trivial handler", f"p50 {ms(median(dispatch))} per 1,000")
    b2.row(
        "poll with nothing due (1M rows)",
        f"p50 {ms(median(timings['poll']))}, p99 {ms(percentile(timings['poll'], 99))}",
    )
    b2.check("create 100k ≤ 3 s", ours_create <= 3.0, secs(ours_create))
    b2.check("claim+advance 1,000 ≤ 100 ms", ours_round <= 0.1, ms(ours_round))
    create_x = naive_create_100k / ours_create
    b2.check("≥ 15× APScheduler: create", create_x >= 15, f"{create_x:.0f}×")
    b2.check(
        "≥ 15× APScheduler: fire 1,000 (median of interleaved rounds)",
        fire_x >= 15,
        f"{fire_x:.1f}× (range {fire_range} over {blocks} rounds)",
    )

    b2b = Section("B2b", "memory and restart with 1M schedules")
    growth = filled["rss_after"] - filled["rss_before"]
    b2b.row(
        "RSS growth creating 1M",
        f"{growth:.1f} MiB (peak +{filled['rss_peak'] - filled['rss_before']:.1f}; "
        f"created in {secs(filled['seconds'])})",
        f"{naive_growth_1m / 1024:.2f} GiB (APScheduler in memory; "
        f"{mem_n:,} jobs measured, scaled)",
    )
    b2b.row(
        "start → first overdue claimed",
        f"{secs(restart_s)} (new process, incl. imports)",
        f"{secs(naive_rebuild_1m)} to rebuild 1M jobs in memory (scaled)",
    )
    db_size = size_mib(work, "b2-1m.db*")
    b2b.row("on disk", f"{db_size:.0f} MiB for 1M rows + indexes")
    b2b.check("≤ 50 MiB growth", growth <= 50, f"{growth:.1f} MiB")
    b2b.check("first overdue claimed ≤ 2 s after start", restart_s <= 2.0, secs(restart_s))
    return [b2, b2b]


async def run(scale: Scale) -> list[Section]:
    with tempfile.TemporaryDirectory(prefix="mentorhub-b2-") as tmp:
        return await run_b2(scale, Path(tmp))


if __name__ == "__main__":
    probe, *args = sys.argv[1:]
    if probe == "fill":
        probe_fill(args[0], int(args[1]), args[2])
    elif probe == "restart":
        probe_restart(args[0])
    elif probe == "naive-memory":
        probe_naive_memory(int(args[0]))
    else:
        raise SystemExit(f"unknown probe {probe}")
