"""B6: a real program's size — 10,000 people, 2,000 and 10,000 pairs — on SQLite and PostgreSQL.

The program is built the way a coordinator would: `mentorhub import people` and
`mentorhub import pairs` from CSV files (benchmarks/cohort.py), run as the real command in
its own process. Ten weeks of check-in history (done, partial, missed, with answers) and,
for the 10,000-pair size, an earlier cohort's ended pairs are then written in bulk, since
no import brings history.

Through the hub, as people would send them: p50/p99 and SQL statements of `profile`,
`mentors`, `status`, `export` and the weekly digest; then the p99 of `profile` while a
`status`, a digest and a fan-out (outbox delivery to a stub messenger, paced as for Telegram,
with 150 ms round trips) run at once. Looking at a profile only reads, so it runs beside the
writers; a change to it (`profile quiet …`, every fifth command) is timed too, since on
SQLite it waits its turn for the one writer.

Naive beside ours: the per-row `status` this project shipped before (kept here, not in the
product: benchmarks/b6_naive.py), run on a sample program of a few hundred pairs.
"""

from __future__ import annotations

import asyncio
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text
from sqlmodel import col

from benchmarks import b6_naive, cohort
from benchmarks.common import (
    Scale,
    Section,
    drop_pg,
    fresh_pg,
    fresh_sqlite,
    median,
    ms,
    percentile,
)
from bots.bootstrap import Mentorhub, build
from bots.config import Config, DatabaseConfig
from bots.runner import settle_memory
from core.clock import SystemClock
from core.dispatch import WorkContext
from core.identity import Platform, PlatformAccount, UserRef
from core.messages import Reply, reply_to_data
from core.nudges import weekly_digest
from storage.db import statements_run
from storage.repositories.base import _table
from storage.tables import (
    AccountRow,
    CheckInAnswerRow,
    CheckInRow,
    OutboxRow,
    PairRow,
    PersonRow,
    ProgramRow,
)

PG_DB = "mentorhub_bench_b6"
COORDINATOR = "cora"
# Everyone's account is on "telegram", so the outbox paces the fan-out by Telegram's rules
# (28 sends in any second, one a second per chat), as B1's fan-out is paced.
STUB = Platform("telegram")
RTT = 0.15
TARGETS = {  # (pairs) -> ceiling in seconds for status and the digest
    2000: 0.300,
    10000: 1.5,
}


class StubMessenger:
    """Stands in for Telegram's API: 150 ms a send, nothing else (the pacing is ours)."""

    platform = STUB

    def __init__(self) -> None:
        self.sent = 0

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass

    async def send(self, account: PlatformAccount, reply: Reply) -> None:
        await asyncio.sleep(RTT)
        self.sent += 1


def mentorhub_import(config_path: Path, kind: str, csv_path: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable, "-c", "from bots.cli import main; raise SystemExit(main())",
            "-c", str(config_path), "import", kind, "prog", str(csv_path),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return time.perf_counter() - started


async def build_program(
    url: str, workdir: Path, people: int, pairs: int, today: date
) -> tuple[Mentorhub, dict[str, float]]:
    """The program 'prog' with ``people`` imported and up to ``pairs`` pairs."""
    app = build(Config(database=DatabaseConfig(url=url)), clock=SystemClock(), messengers=())
    cora = UserRef(STUB, "", COORDINATOR)
    await app.hub.message(cora, 'start "Cora Lead" Europe/London en')
    await app.hub.message(cora, "newprogram prog Mentoring at scale")
    config_path = workdir / "bench.toml"
    config_path.write_text(f'[database]\nurl = "{url}"\n', encoding="utf-8")
    written = cohort.people_csv(workdir / "people.csv", people, seed=6)
    running = cohort.pairs_csv(
        workdir / "pairs.csv", written, pairs, starts_on=today - timedelta(weeks=10)
    )
    timings = {
        "import people": mentorhub_import(config_path, "people", workdir / "people.csv"),
        "import pairs": mentorhub_import(config_path, "pairs", workdir / "pairs.csv"),
    }
    started = time.perf_counter()
    await add_history(app, today, ended=max(0, pairs - running))
    timings["history (bulk SQL)"] = time.perf_counter() - started
    if app.engine.dialect.name == "postgresql":
        # what autovacuum does soon after a bulk load; measured without, the first minutes
        # after an import plan with no statistics at all
        async with app.engine.begin() as conn:
            await conn.execute(text("ANALYZE"))
    return app, timings


async def add_history(app: Mentorhub, today: date, *, ended: int) -> None:
    """Check-ins of every closed period of each running pair (70 % done, 15 % partial,
    15 % missed), ``ended`` pairs of an earlier cohort, and a messenger account for
    everyone so they can send commands and receive the fan-out."""
    rng = random.Random(6)
    now = datetime.now(UTC)
    async with app.engine.begin() as conn:
        program_id = (await conn.execute(select(col(ProgramRow.id)))).scalar_one()
        rows = await conn.execute(
            select(
                col(PairRow.id),
                col(PairRow.mentor_id),
                col(PairRow.mentee_id),
                col(PairRow.started_at),
            )
        )
        pairs = rows.all()
        checkins: list[dict[str, Any]] = []
        for pair_id, _mentor, _mentee, _started in pairs:
            start = today - timedelta(weeks=10)
            for period in range(5):
                opens = start + timedelta(days=14 * period)
                roll = rng.random()
                status = "done" if roll < 0.7 else "partial" if roll < 0.85 else "missed"
                checkins.append(
                    {
                        "pair_id": pair_id,
                        "period": period,
                        "opens_on": opens,
                        "closes_on": opens + timedelta(days=14),
                        "status": status,
                    }
                )
        await conn.execute(_table(CheckInRow).insert(), checkins)
        stored = (
            await conn.execute(
                select(
                    col(CheckInRow.id),
                    col(CheckInRow.pair_id),
                    col(CheckInRow.status),
                    col(CheckInRow.opens_on),
                )
            )
        ).all()
        people_of = {pair_id: (mentor, mentee) for pair_id, mentor, mentee, _ in pairs}
        answers = [
            {
                "checkin_id": checkin_id,
                "person_id": who,
                "met": True,
                "minutes": 30,
                "questions": ["How did it go?"],
                "answers": ["Fine"],
                "rating": 4,
                "note": "",
                "note_shared": False,
                "submitted_at": datetime.combine(opens, datetime.min.time(), UTC),
                "revision": 0,
            }
            for checkin_id, pair_id, status, opens in stored
            for who in people_of[pair_id][: {"done": 2, "partial": 1}.get(status, 0)]
        ]
        await conn.execute(_table(CheckInAnswerRow).insert(), answers)
        if ended:
            mentors = [p[1] for p in pairs] or [1]
            mentees = (
                await conn.execute(
                    select(col(PersonRow.id)).where(col(PersonRow.handle).startswith("e"))
                )
            ).scalars().all()  # fmt: skip
            await conn.execute(
                _table(PairRow).insert(),
                [
                    {
                        "program_id": program_id,
                        "mentor_id": mentors[n % len(mentors)],
                        "mentee_id": mentees[n % len(mentees)],
                        "status": "ended",
                        "created_at": now - timedelta(days=400),
                        "started_at": now - timedelta(days=400),
                        "ended_at": now - timedelta(days=300),
                        "origin": "assigned",
                        "next_choices": [],
                        "end_reason": "cohort ended",
                    }
                    for n in range(ended)
                ],
            )
        people = (
            await conn.execute(select(col(PersonRow.id), col(PersonRow.handle)))
        ).all()  # includes the coordinator, who has an account already
        have = set((await conn.execute(select(col(AccountRow.person_id)))).scalars().all())
        await conn.execute(
            _table(AccountRow).insert(),
            [
                {
                    "person_id": person_id,
                    "platform": STUB.value,
                    "workspace": "",
                    "user_id": handle,
                    "display_name": handle,
                    "preferred": True,
                    "reachable": True,
                    "created_at": now,
                }
                for person_id, handle in people
                if person_id not in have
            ],
        )


async def queue_fanout(app: Mentorhub, count: int) -> None:
    now = datetime.now(UTC)
    payload = reply_to_data(Reply("Monday check-in", title="mentorhub"))
    async with app.engine.begin() as conn:
        ids = (await conn.execute(select(col(PersonRow.id)).limit(count))).scalars().all()
        await conn.execute(
            _table(OutboxRow).insert(),
            [
                {
                    "person_id": person_id,
                    "key": f"bench-fanout:{now.timestamp()}:{person_id}",
                    "kind": "nudge",
                    "payload": payload,
                    "status": "pending",
                    "attempts": 0,
                    "created_at": now,
                    "next_attempt_at": now,
                }
                for person_id in ids
            ],
        )


async def timed(
    app: Mentorhub, action: Callable[[], Awaitable[object]], repeats: int
) -> tuple[list[float], int]:
    await action()  # warm caches and the connection pool
    times = []
    statements = 0
    for _ in range(repeats):
        with statements_run(app.engine) as seen:
            started = time.perf_counter()
            await action()
            times.append(time.perf_counter() - started)
        statements = len(seen)
    return times, statements


async def measure(app: Mentorhub, repeats: int) -> dict[str, tuple[list[float], int]]:
    mentee = UserRef(STUB, "", "e00001")
    waiting = await a_waiting_mentee(app)
    cora = UserRef(STUB, "", COORDINATOR)

    async def digest() -> None:
        async with app.read_factory() as uow:
            await weekly_digest(WorkContext(uow=uow, now=datetime.now(UTC)))

    actions: dict[str, Callable[[], Awaitable[object]]] = {
        "profile": lambda: app.hub.command(mentee, "profile"),
        "mentors": lambda: app.hub.command(waiting, "mentors"),
        "status": lambda: app.hub.command(cora, "status", "prog"),
        "export": lambda: app.hub.command(cora, "export", "prog"),
        "digest": digest,
    }
    results = {}
    for name, action in actions.items():
        outcome = await action()
        if hasattr(outcome, "replies") and outcome.replies and outcome.replies[0].is_error:
            raise RuntimeError(f"{name} failed: {outcome.replies[0].text}")
        results[name] = await timed(app, action, 3 if name == "export" else repeats)
    return results


async def a_waiting_mentee(app: Mentorhub) -> UserRef:
    async with app.engine.connect() as conn:
        handle: str = (
            await conn.execute(
                text(
                    "SELECT p.handle FROM person p JOIN enrollment e ON e.person_id = p.id "
                    "WHERE e.role = 'mentee' AND e.waiting_since IS NOT NULL "
                    "ORDER BY p.id LIMIT 1"
                )
            )
        ).scalar_one()
    return UserRef(STUB, "", handle)


async def under_load(app: Mentorhub, seconds: float) -> Loaded:
    """`profile` every 20 ms while status, the digest and a fan-out run at once (each
    started again as soon as it finishes, so all three run for the whole window)."""
    mentee = UserRef(STUB, "", "e00002")
    cora = UserRef(STUB, "", COORDINATOR)
    stub = StubMessenger()
    app.outlets.add(stub)
    await queue_fanout(app, int(30 * seconds))  # what Telegram's pace sends in the window
    worker = app.delivery
    stop = asyncio.Event()

    async def keep(action: Callable[[], Awaitable[object]]) -> None:
        while not stop.is_set():
            await action()
            await asyncio.sleep(0)

    background = [
        asyncio.create_task(keep(lambda: app.hub.command(cora, "status", "prog"))),
        asyncio.create_task(keep(app.weekly_digest)),
        asyncio.create_task(keep(worker.deliver)),
    ]
    times: list[float] = []
    changes: list[float] = []  # a write beside them: it queues for SQLite's one writer
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        started = time.perf_counter()
        await app.hub.command(mentee, "profile")
        times.append(time.perf_counter() - started)
        if len(times) % 5 == 0:
            started = time.perf_counter()
            await app.hub.command(mentee, "profile", f"quiet {20 + len(times) % 3}-7")
            changes.append(time.perf_counter() - started)
        await asyncio.sleep(0.02)
    sent = stub.sent  # within the window
    stop.set()
    await asyncio.gather(*background)
    return Loaded(times, changes, sent)


@dataclass(frozen=True)
class Loaded:
    shows: list[float]  # `profile`: a read
    changes: list[float]  # `profile quiet …`: a write
    sent: int  # fan-out sends within the window


async def naive_sample(url: str, workdir: Path, today: date, pairs: int) -> tuple[float, int]:
    """The per-row status of before, on a sample program of ``pairs`` pairs."""
    app, _ = await build_program(url, workdir, people=pairs * 4, pairs=pairs, today=today)
    try:
        async with app.read_factory() as uow:
            program = await uow.programs.by_slug("prog")
            assert program is not None
            with statements_run(app.engine) as seen:
                started = time.perf_counter()
                await b6_naive.program_status(uow, datetime.now(UTC), program, title="naive")
                elapsed = time.perf_counter() - started
        return elapsed, len(seen)
    finally:
        await app.close()


async def run(scale: Scale) -> list[Section]:
    backends: list[tuple[str, str | None]] = [("SQLite", None)]
    if scale.pg_url:
        backends.append(("PostgreSQL", scale.pg_url))
    sizes = [(10_000, 2_000), (10_000, 10_000)]
    repeats = scale.pick(5, 15)
    sample = scale.pick(100, 200)
    today = datetime.now(UTC).date()
    sections = []
    for backend, server in backends:
        section = Section("B6", f"a real program's size on {backend}")
        for people, pairs in sizes:
            with tempfile.TemporaryDirectory() as tmp:
                workdir = Path(tmp)
                url = await _fresh(server, workdir / "b6.db")
                app, timings = await build_program(url, workdir, people, pairs, today)
                try:
                    async with app.engine.connect() as conn:
                        count = (
                            await conn.execute(select(func.count()).select_from(PairRow))
                        ).scalar_one()
                    label = f"{people:,} people, {count:,} pairs"
                    settle_memory()  # as `mentorhub run` does once started
                    for step, seconds in timings.items():
                        section.row(f"{label}: {step}", f"{seconds:.1f} s")
                    results = await measure(app, repeats)
                    for name, (times, statements) in results.items():
                        section.row(
                            f"{label}: {name}",
                            f"p50 {ms(median(times))}, p99 {ms(percentile(times, 99))}, "
                            f"{statements} statements",
                        )
                    ceiling = TARGETS[2000 if pairs <= 2000 else 10000]
                    worst = max(percentile(results[n][0], 50) for n in ("status", "digest"))
                    section.check(
                        f"{label}: status and digest p50 ≤ {ms(ceiling)}",
                        worst <= ceiling,
                        ms(worst),
                    )
                    section.check(
                        f"{label}: mentors p50 ≤ 100 ms",
                        median(results["mentors"][0]) <= 0.1,
                        ms(median(results["mentors"][0])),
                    )
                    if pairs > 2000:
                        section.check(
                            f"{label}: export p50 ≤ 2 s",
                            median(results["export"][0]) <= 2.0,
                            ms(median(results["export"][0])),
                        )
                    most = max(statements for _, statements in results.values())
                    section.check(f"{label}: statements per command ≤ 30", most <= 30, str(most))
                    if pairs <= 2000:
                        loaded = await under_load(app, scale.pick(8.0, 20.0))
                        times, changes = loaded.shows, loaded.changes
                        section.row(
                            f"{label}: profile under load",
                            f"p50 {ms(median(times))}, p99 {ms(percentile(times, 99))} "
                            f"({len(times)} commands; {loaded.sent} fan-out sends meanwhile)",
                        )
                        section.row(
                            f"{label}: profile quiet … (a write) under load",
                            f"p50 {ms(median(changes))}, p99 {ms(percentile(changes, 99))} "
                            f"({len(changes)} commands)",
                        )
                        section.check(
                            f"{label}: profile p99 ≤ 50 ms while status, digest, fan-out run",
                            percentile(times, 99) <= 0.05,
                            ms(percentile(times, 99)),
                        )
                finally:
                    await app.close()
                    if server:
                        await drop_pg(server, PG_DB)
        with tempfile.TemporaryDirectory() as tmp:
            url = await _fresh(server, Path(tmp) / "naive.db")
            try:
                elapsed, statements = await naive_sample(url, Path(tmp), today, sample)
            finally:
                if server:
                    await drop_pg(server, PG_DB)
        section.row(
            f"naive per-row status, {sample} pairs",
            "",
            f"{ms(elapsed)}, {statements} statements "
            f"(×{2000 // sample} ≈ {elapsed * 2000 / sample:.1f} s at 2,000 pairs)",
        )
        sections.append(section)
    return sections


async def _fresh(server: str | None, path: Path) -> str:
    if server is None:
        return await fresh_sqlite(path)
    return await fresh_pg(server, PG_DB)
