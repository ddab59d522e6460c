"""Shared helpers: timing, percentiles, RSS, a results table with PASS/FAIL, machine facts."""

from __future__ import annotations

import os
import platform
import sqlite3
import statistics
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import text

from storage import migrate
from storage.db import create_engine


@dataclass
class Scale:
    quick: bool
    pg_url: str | None = None
    separate_fakes: bool = False  # platform stand-ins in their own processes

    def pick(self, quick: Any, full: Any) -> Any:
        return quick if self.quick else full


@dataclass
class Check:
    name: str
    ok: bool | None  # None: skipped
    detail: str


@dataclass
class Section:
    """One scenario's printout: rows of (measure, ours, naive) and target checks."""

    id: str
    title: str
    rows: list[tuple[str, str, str]] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def row(self, measure: str, ours: str, naive: str = "") -> None:
        self.rows.append((measure, ours, naive))

    def check(self, name: str, ok: bool, detail: str) -> None:
        self.checks.append(Check(name, ok, detail))

    def skip(self, name: str, reason: str) -> None:
        self.checks.append(Check(name, None, reason))

    def note(self, text: str) -> None:
        self.notes.append(text)

    @property
    def passed(self) -> bool:
        return all(c.ok is not False for c in self.checks)

    @property
    def skipped(self) -> bool:
        return any(c.ok is None for c in self.checks)

    def render(self) -> str:
        lines = [f"## {self.id}: {self.title}", ""]
        if self.rows:
            width = max(len(r[0]) for r in self.rows)
            ours_w = max(len("ours"), *(len(r[1]) for r in self.rows))
            lines.append(f"{'':{width}}  {'ours':>{ours_w}}   naive")
            for measure, ours, naive in self.rows:
                lines.append(f"{measure:{width}}  {ours:>{ours_w}}   {naive}")
        for check in self.checks:
            verdict = {True: "PASS", False: "FAIL", None: "SKIP"}[check.ok]
            lines.append(f"  [{verdict}] {check.name}: {check.detail}")
        lines.extend(f"  note: {n}" for n in self.notes)
        return "\n".join(lines)


def percentile(values: Sequence[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def secs(seconds: float) -> str:
    return f"{seconds:.2f} s"


def rss_mib() -> float:
    """Resident set size of this process now (Linux /proc; falls back to peak RSS)."""
    try:
        with open("/proc/self/statm") as statm:
            pages = int(statm.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        total_kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {total_kib / 2**20:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    load = ""
    if hasattr(os, "getloadavg"):
        load = f", load avg {os.getloadavg()[0]:.1f}"
    return (
        f"{os.cpu_count()} cores ({cpu}){memory}{load}; {platform.system()} "
        f"{platform.release()}; Python {sys.version.split()[0]}; SQLite {sqlite3.sqlite_version}"
    )


async def pg_version(url: str) -> str:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return str((await conn.execute(text("SHOW server_version"))).scalar())
    finally:
        await engine.dispose()


def remove_sqlite_files(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def size_mib(directory: Path, pattern: str) -> float:
    return sum(p.stat().st_size for p in directory.glob(pattern)) / 2**20


async def fresh_sqlite(path: Path) -> str:
    remove_sqlite_files(path)
    url = f"sqlite:///{path}"
    engine = create_engine(url)
    try:
        await migrate.upgrade(engine)
    finally:
        await engine.dispose()
    return url


async def _admin(server_url: str, *statements: str) -> None:
    """Run statements on the server's maintenance database (CREATE/DROP DATABASE)."""
    import asyncpg
    from sqlalchemy.engine import make_url

    url = make_url(server_url)
    admin = await asyncpg.connect(
        host=url.host or "127.0.0.1",
        port=url.port or 5432,
        user=url.username or "postgres",
        password=url.password,
        database=url.database or "postgres",
    )
    try:
        for statement in statements:
            await admin.execute(statement)
    finally:
        await admin.close()


async def fresh_pg(server_url: str, name: str) -> str:
    """A new, migrated database ``name`` on the server (dropped first if it exists)."""
    from sqlalchemy.engine import make_url

    await _admin(
        server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'
    )
    db_url = make_url(server_url).set(drivername="postgresql", database=name)
    url = db_url.render_as_string(hide_password=False)
    engine = create_engine(url)
    try:
        await migrate.upgrade(engine)
    finally:
        await engine.dispose()
    return url


async def drop_pg(server_url: str, name: str) -> None:
    await _admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
