"""B3 from the database: the same synthetic pool as B3, imported with `mentorhub import` and
matched through the hub as a coordinator would, on SQLite and PostgreSQL.

`match prog` end to end: read the pool (a few set-based statements), the engine in a
worker thread, the draft of thousands of rows stored; then `mentors` for one mentee
(ranking every mentor with room by the same score), and `match prog publish` (every pair
made and introduced, each intro written to the outbox).
"""

from __future__ import annotations

import csv
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from sqlalchemy import text

from benchmarks.b6_program_size import STUB, mentorhub_import
from benchmarks.common import Scale, Section, drop_pg, fresh_pg, fresh_sqlite, ms, secs
from benchmarks.matching_pool import build_pool
from bots.bootstrap import Mentorhub, build
from bots.config import Config, DatabaseConfig
from core.clock import SystemClock
from core.identity import UserRef
from core.messages import Outcome
from storage.db import statements_run

PG_DB = "mentorhub_bench_b3"
COORDINATOR = UserRef(STUB, "", "cora")
MATCH_TARGET_S = 1.0
MENTORS_TARGET_S = 0.1


def cohort_csv(path: Path, mentees: int, mentors: int, seed: int) -> list[str]:
    """B3's pool as the people CSV a coordinator would import; the mentees' handles."""
    pool = build_pool(mentees, mentors, seed=seed)
    handles = []
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(
            ["name", "handle", "timezone", "languages", "role", "capacity", "skills", "goals",
             "mode", "availability"]
        )  # fmt: skip
        for e in pool.mentees:
            handle = f"e{e.person_id:06d}"
            handles.append(handle)
            writer.writerow(
                [f"Mentee {e.person_id}", handle, e.timezone, ";".join(e.languages), "mentee",
                 "", ";".join(e.skills), e.goals, e.mode.value, e.windows]
            )  # fmt: skip
        for j in pool.mentors:
            writer.writerow(
                [f"Mentor {j.person_id}", f"m{j.person_id:07d}", j.timezone,
                 ";".join(j.languages), "mentor", j.capacity, ";".join(j.skills), j.goals,
                 j.mode.value, j.windows]
            )  # fmt: skip
    return handles


async def said(app: Mentorhub, ref: UserRef, verb: str, args: str = "") -> Outcome:
    outcome = await app.hub.command(ref, verb, args)
    if outcome.replies and outcome.replies[0].is_error:
        raise RuntimeError(f"{verb} {args}: {outcome.replies[0].text}")
    return outcome


async def timed(action: Callable[[], Awaitable[object]], app: Mentorhub) -> tuple[float, int]:
    with statements_run(app.engine) as seen:
        started = time.perf_counter()
        await action()
        elapsed = time.perf_counter() - started
    return elapsed, len(seen)


async def one_backend(
    section: Section, label: str, url: str, workdir: Path, n: int, m: int, rounds: int
) -> None:
    app = build(Config(database=DatabaseConfig(url=url)), clock=SystemClock(), messengers=())
    try:
        await app.hub.message(COORDINATOR, 'start "Cora Lead" Europe/London en')
        await said(app, COORDINATOR, "newprogram", "prog Matching at scale")
        await said(app, COORDINATOR, "configure", "prog matching suggest")
        config_path = workdir / "bench.toml"
        config_path.write_text(f'[database]\nurl = "{url}"\n', encoding="utf-8")
        handles = cohort_csv(workdir / "people.csv", n, m, seed=12)
        imported = mentorhub_import(config_path, "people", workdir / "people.csv")
        section.row(f"{label}: import {n + m:,} people", secs(imported))
        if app.engine.dialect.name == "postgresql":
            async with app.engine.begin() as conn:
                await conn.execute(text("ANALYZE"))  # as autovacuum soon would

        times, statements = [], 0
        for _ in range(rounds):
            elapsed, statements = await timed(lambda: said(app, COORDINATOR, "match", "prog"), app)
            times.append(elapsed)
        section.row(
            f"{label}: `match prog` (read, engine, store the draft)",
            f"p50 {secs(statistics.median(times))} ({secs(min(times))}–{secs(max(times))}), "
            f"{statements} statements",
        )
        section.check(
            f"{label}: `match` ≤ 1 s end to end from the database",
            statistics.median(times) <= MATCH_TARGET_S,
            secs(statistics.median(times)),
        )

        await said(app, COORDINATOR, "configure", "prog matching request")
        mentees = [UserRef(STUB, "", handle) for handle in handles[:20]]
        for ref, handle in zip(mentees, handles, strict=False):
            await app.hub.message(ref, f"start @{handle}")
        one = []
        for ref in mentees:
            elapsed, _ = await timed(lambda ref=ref: said(app, ref, "mentors"), app)  # type: ignore[misc]
            one.append(elapsed)
        section.row(
            f"{label}: `mentors` for one mentee (p50 / max of {len(one)})",
            f"{ms(statistics.median(one))} / {ms(max(one))}",
        )
        section.check(
            f"{label}: `mentors` ≤ 100 ms",
            statistics.median(one) <= MENTORS_TARGET_S,
            ms(statistics.median(one)),
        )

        await said(app, COORDINATOR, "configure", "prog matching suggest")
        await said(app, COORDINATOR, "match", "prog")
        elapsed, statements = await timed(
            lambda: said(app, COORDINATOR, "match", "prog publish"), app
        )
        section.row(
            f"{label}: `match prog publish` (every pair made, intros queued)",
            f"{secs(elapsed)}, {statements} statements",
        )
    finally:
        await app.close()


async def run_database(scale: Scale) -> Section:
    n, m = scale.pick((2000, 400), (5000, 1000))
    section = Section("B3 db", f"matching {n:,} × {m:,} from the database, through the hub")
    backends: list[tuple[str, str | None]] = [("SQLite", None)]
    if scale.pg_url:
        backends.append(("PostgreSQL", scale.pg_url))
    for label, server in backends:
        with tempfile.TemporaryDirectory() as tmp:
            workdir = Path(tmp)
            url = (
                await fresh_sqlite(workdir / "b3.db")
                if server is None
                else await fresh_pg(server, PG_DB)
            )
            try:
                await one_backend(section, label, url, workdir, n, m, scale.pick(2, 3))
            finally:
                if server is not None:
                    await drop_pg(server, PG_DB)
    return section
