"""B8: the dashboard's server time for a program of 10,000 pairs (quick: 2,000).

The program is built as B6 builds it (`mentorhub import people` and `import pairs`, ten
weeks of check-in history, an earlier cohort's ended pairs), then a coordinator asks for
a link with `dashboard prog` through the hub, and an HTTP client on loopback opens it,
signs in and loads pages from the dashboard served by `mentorhub run`'s own server
(adapters/web). Times are from the request sent to the last byte read, so they include
the loopback round trip: an upper bound on server time.

Measured, each over repeated rounds:
- the first page: the overview right after signing in, the link opened two seconds after
  it was sent in chat and "Sign in" pressed a second later (the dashboard starts reading
  the program when it sees a new link, within a second);
- the overview and the pair list (`?status=active&sort=last_checkin&order=desc`, page 1
  and page 40) as they are served afterwards (a read of the last 30 s, or an older one
  while a new read runs behind it);
- the same pages with no read kept (just after a change made in the dashboard): the whole
  program read and judged in the request.
"""

from __future__ import annotations

import asyncio
import functools
import re
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
from sqlalchemy import func, select

from adapters.web.server import DashboardServer, WebSettings
from benchmarks.b6_program_size import COORDINATOR, STUB, build_program
from benchmarks.common import Scale, Section, drop_pg, fresh_pg, fresh_sqlite, median, ms
from bots.bootstrap import Mentorhub, build
from bots.config import Config, DatabaseConfig, WebConfig
from bots.runner import settle_memory
from core.clock import SystemClock
from core.identity import UserRef
from storage.tables import PairRow

PG_DB = "mentorhub_bench_b8"
TARGET = 0.300  # first page, server time
PAIRS_QUERY = "/p/prog/pairs?status=active&sort=last_checkin&order=desc"
SWITCHING_PAUSE = 2.0  # seconds from the link in chat to opening it in the browser
READING_PAUSE = 1.0  # seconds between opening the link and pressing "Sign in"


async def dashboard_app(url: str) -> Mentorhub:
    config = Config(
        database=DatabaseConfig(url=url),
        web=WebConfig(enabled=True, port=0, public_url="https://dash.example.org"),
    )
    return build(config, clock=SystemClock(), messengers=())


async def signin_path(app: Mentorhub) -> str:
    outcome = await app.hub.command(UserRef(STUB, "", COORDINATOR), "dashboard", "prog")
    found = re.search(r"/signin/[A-Za-z0-9_-]+", outcome.replies[0].text)
    assert found is not None, outcome.replies[0].text
    return found.group(0)


async def timed(http: aiohttp.ClientSession, path: str) -> float:
    started = time.perf_counter()
    async with http.get(path) as response:
        body = await response.read()
        assert response.status == 200, (path, response.status, body[:300])
    return time.perf_counter() - started


async def first_page(app: Mentorhub, base: str) -> float:
    """Ask for a link, open it two seconds later, read a second, sign in, load the
    overview: its time."""
    app.dashboard.forget(1)
    path = await signin_path(app)
    await asyncio.sleep(SWITCHING_PAUSE)
    async with aiohttp.ClientSession(base, cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        async with http.get(path) as page:
            assert page.status == 200
        await asyncio.sleep(READING_PAUSE)
        async with http.post(path, allow_redirects=False) as signed:
            assert signed.status == 303
        return await timed(http, "/p/prog/")


async def rounds(
    n: int, step: Callable[[], Awaitable[float]], before: Callable[[], None] = lambda: None
) -> list[float]:
    times = []
    for _ in range(n):
        before()
        times.append(await step())
    return times


def spread(times: list[float]) -> str:
    return f"p50 {ms(median(times))} ({ms(min(times))}–{ms(max(times))}, {len(times)} runs)"


async def measure(app: Mentorhub, section: Section, label: str, repeats: int) -> None:
    server = DashboardServer(app.dashboard, WebSettings("127.0.0.1", 0, secure=False))
    await server.start()
    base = f"http://127.0.0.1:{server.port}"
    try:
        # at most 8: a coordinator gets 10 links an hour, and one more is asked for below
        firsts = await rounds(min(repeats, 8), lambda: first_page(app, base))
        section.row(f"{label}: first page after sign-in (overview)", spread(firsts))
        section.check(
            f"{label}: first page ≤ {ms(TARGET)} server time (p50)",
            median(firsts) <= TARGET,
            ms(median(firsts)),
        )
        jar = aiohttp.CookieJar(unsafe=True)
        async with aiohttp.ClientSession(base, cookie_jar=jar) as http:
            async with http.post(await signin_path(app), allow_redirects=False) as signed:
                assert signed.status == 303
            pages = {
                "overview": "/p/prog/",
                "pair list, page 1": PAIRS_QUERY,
                "pair list, page 40": PAIRS_QUERY + "&page=40",
            }
            for name, path in pages.items():
                await timed(http, path)  # a kept read
                kept = await rounds(repeats, functools.partial(timed, http, path))
                section.row(f"{label}: {name}, kept read", spread(kept))
                section.check(
                    f"{label}: {name} ≤ {ms(TARGET)} (p50)",
                    median(kept) <= TARGET,
                    ms(median(kept)),
                )
            for name, path in list(pages.items())[:2]:
                cold = await rounds(
                    repeats,
                    functools.partial(timed, http, path),
                    functools.partial(app.dashboard.forget, 1),
                )
                section.row(f"{label}: {name}, read in the request", spread(cold))
    finally:
        await server.stop()


async def run(scale: Scale) -> list[Section]:
    backends: list[tuple[str, str | None]] = [("SQLite", None)]
    if scale.pg_url:
        backends.append(("PostgreSQL", scale.pg_url))
    pairs = scale.pick(2_000, 10_000)
    repeats = scale.pick(5, 10)
    today = datetime.now(UTC).date()
    sections = []
    for backend, server in backends:
        section = Section("B8", f"the dashboard's server time on {backend}")
        with tempfile.TemporaryDirectory() as tmp:
            workdir = Path(tmp)
            url = await (fresh_pg(server, PG_DB) if server else fresh_sqlite(workdir / "b8.db"))
            try:
                built, timings = await build_program(url, workdir, 10_000, pairs, today)
                await built.close()
                app = await dashboard_app(url)
                try:
                    async with app.engine.connect() as conn:
                        count = (
                            await conn.execute(select(func.count()).select_from(PairRow))
                        ).scalar_one()
                    label = f"{count:,} pairs"
                    section.row(f"{label}: built in", f"{sum(timings.values()):.0f} s")
                    settle_memory()
                    await measure(app, section, label, repeats)
                finally:
                    await app.close()
            finally:
                if server:
                    await drop_pg(server, PG_DB)
        sections.append(section)
    return sections
