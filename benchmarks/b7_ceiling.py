"""B7: mentorhub's own ceiling — how many messages one core can send when the platform
doesn't limit us.

What runs (docs: shared/reference/PERFORMANCE.md, B7):

- FakeTelegram (tests/fakes/telegram_api.py) in its own process (benchmarks/fake_host.py)
  with no rate limits and a 150 ms round trip: its work is not ours, and it must not
  share our event loop or our CPU count.
- Ours, as ``mentorhub run`` wires it (``bots.bootstrap.build``): N outbox rows to distinct
  chats on SQLite (WAL), the real ``DeliveryWorker`` with 64 senders, the process's one
  ``Pacer`` (Telegram's rules with the overall window lifted to 100,000/s; 1/s per chat
  still applies, and is never the limit here), and the real ``TelegramMessenger`` (render
  to HTML, its keyboard, PTB's ``Bot`` over httpx). Each row is a realistic check-in nudge:
  a title, a sentence with a deadline shown in the reader's zone, one button.
- The measure is the CPU time of this process (``time.process_time``: every thread,
  aiosqlite's included) per message, which a busy shared machine does not distort the way
  it distorts wall time; msg/s per core = 1000 / CPU ms per message. Wall msg/s is shown
  too (on two shared cores the stand-in competes with us for CPU).
- Beside it, in the same run, the floors: the same PTB ``Bot`` sending the same
  (pre-rendered) message with 64 concurrent ``await bot.send_message(...)`` loops — the
  SDK's own cost, which no design of ours can go below — and the adapter's
  ``TelegramMessenger.send`` the same way (render, pacing check, SDK) without the outbox.
  What is left between the adapter floor and ours is the outbox and the worker.

With ``--pg URL`` (or ``MENTORHUB_TEST_DATABASE_URL``) the same pass also runs on PostgreSQL
(a database ``mentorhub_bench_b7``, created and dropped), reported beside; the target is
SQLite's.

Run: ``python -m benchmarks --only B7`` (``--quick`` for smaller N).
"""

from __future__ import annotations

import asyncio
import gc
import os
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam

from benchmarks.common import Scale, Section, drop_pg, fresh_pg, fresh_sqlite
from benchmarks.fake_host import RemoteFake
from benchmarks.fanout import seed
from core.identity import Platform, PlatformAccount
from core.messages import Action, Choice, ChoiceStyle, Reply, moment, reply_to_data
from core.pacing import PlatformPacing, Rate, Window
from storage.db import create_engine
from storage.repositories.base import _table
from storage.tables import OutboxRow

TOKEN = "123456:bench-token"
TELEGRAM = Platform("telegram")
RTT = 0.150
SENDERS = 64
GOAL = 500.0  # msg/s per core
PG_DB = "mentorhub_bench_b7"
LIFTED = PlatformPacing(TELEGRAM, platform_rate=Window(100_000), conversation_rate=Rate(1.0))


def nudge(i: int, deadline: datetime) -> Reply:
    """A check-in opening as core/nudges.py words it (one per pair: the button differs)."""
    return Reply(
        f"Check-in 3 with Partner {i} is open until {moment(deadline)}. "
        "It takes two minutes: did you meet, your answers to the program's questions, "
        "a rating.",
        title="Time to check in",
        choices=(
            Choice(
                "Check in now",
                Action.command("checkin", f"pair={i}").encode(),
                ChoiceStyle.PRIMARY,
            ),
        ),
    )


async def seed_nudges(url: str, first_chat: int, count: int) -> None:
    await seed(url, [(TELEGRAM, "", str(first_chat + i)) for i in range(count)])
    deadline = datetime.now(UTC) + timedelta(days=3)
    t = _table(OutboxRow)
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                t.update().where(t.c.id == bindparam("rid")).values(payload=bindparam("data")),
                [{"rid": i + 1, "data": reply_to_data(nudge(i, deadline))} for i in range(count)],
            )
    finally:
        await engine.dispose()


def child_cpu(pid: int) -> float:
    """CPU seconds of another process so far (Linux; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


class Meter:
    """CPU and wall time of this process (and the stand-in's CPU) around one run."""

    def __init__(self, fake: RemoteFake) -> None:
        process = fake._process  # the stand-in's own process
        self._pid = process.pid if process is not None else 0

    def __enter__(self) -> Meter:
        gc.collect()
        self.cpu, self.wall, self.fake = time.process_time(), time.perf_counter(), self.now_fake()
        return self

    def now_fake(self) -> float:
        return child_cpu(self._pid) if self._pid else 0.0

    def __exit__(self, *exc: object) -> None:
        self.cpu = time.process_time() - self.cpu
        self.wall = time.perf_counter() - self.wall
        self.fake = self.now_fake() - self.fake


async def delivered(fake: RemoteFake, expected: int) -> tuple[int, int]:
    chats = (await fake.command("stats"))["delivered"]
    return expected - len(set(chats)), len(chats) - len(set(chats))


def messenger_factory(base_url: str) -> Callable[[Any], Any]:
    def build(deps: Any) -> Any:
        from adapters.telegram.adapter import TelegramMessenger

        return TelegramMessenger(
            deps.hub, token=TOKEN, base_url=base_url, pacer=deps.pacer, pacing=LIFTED
        )

    return build


async def ours(fake: RemoteFake, count: int, url: str, first_chat: int) -> dict[str, Any]:
    """One delivery pass over ``count`` rows seeded into the fresh database at ``url``."""
    from bots.bootstrap import build
    from bots.config import Config, DatabaseConfig, SchedulerConfig

    await seed_nudges(url, first_chat, count)
    config = Config(
        database=DatabaseConfig(url=url),
        scheduler=SchedulerConfig(senders_per_platform=SENDERS),
    )
    app = build(config, messengers=[messenger_factory(fake.url)])
    app.delivery.pacing[TELEGRAM] = LIFTED  # the outbox's rules, as the messenger's
    (messenger,) = app.messengers
    try:
        await messenger.start_sending()  # type: ignore[attr-defined]
        await fake.command("clear")
        with Meter(fake) as meter:
            report = await app.deliver()
        lost, duplicated = await delivered(fake, count)
    finally:
        await messenger.stop()
        await app.close()
    return {
        "meter": meter,
        "report": report,
        "lost": lost,
        "duplicated": duplicated,
        "count": count,
    }


async def floor(
    fake: RemoteFake, count: int, first_chat: int, send: Callable[[int], Awaitable[None]]
) -> dict[str, Any]:
    """``count`` sends from ``SENDERS`` concurrent loops, as the worker's senders would."""
    await fake.command("clear")
    chats = iter(range(first_chat, first_chat + count))

    async def loop() -> None:
        for chat in chats:
            await send(chat)

    with Meter(fake) as meter:
        await asyncio.gather(*(loop() for _ in range(SENDERS)))
    lost, duplicated = await delivered(fake, count)
    return {"meter": meter, "lost": lost, "duplicated": duplicated, "count": count}


async def floors(fake: RemoteFake, count: int, first_chat: int) -> tuple[dict[str, Any], ...]:
    """The SDK alone, then the adapter (render, pacing check, SDK) without the outbox."""
    from adapters.telegram.adapter import _NO_PREVIEW, TelegramMessenger
    from adapters.telegram.render import render
    from bots.bootstrap import build
    from bots.config import Config, DatabaseConfig

    with tempfile.TemporaryDirectory(prefix="mentorhub-b7-floor-") as tmp:
        url = await fresh_sqlite(Path(tmp) / "floor.db")
        app = build(
            Config(database=DatabaseConfig(url=url)), messengers=[messenger_factory(fake.url)]
        )
        (messenger,) = app.messengers
        assert isinstance(messenger, TelegramMessenger)
        try:
            await messenger.start_sending()
            bot = messenger.application.bot
            reply = nudge(0, datetime.now(UTC) + timedelta(days=3)).read_in("Europe/Berlin")
            (rendered,) = render(reply, commands=messenger._native)

            async def sdk(chat: int) -> None:
                await bot.send_message(
                    chat,
                    rendered.text,
                    parse_mode=rendered.parse_mode,
                    reply_markup=rendered.keyboard,
                    link_preview_options=_NO_PREVIEW,
                )

            async def adapter(chat: int) -> None:
                account = PlatformAccount(TELEGRAM, "", str(chat), person_id=chat, id=chat)
                await messenger.send(account, reply)

            bare = await floor(fake, count, first_chat, sdk)
            adapted = await floor(fake, count, first_chat + count, adapter)
        finally:
            await messenger.stop()
            await app.close()
    return bare, adapted


def cpu_ms(result: dict[str, Any]) -> float:
    return float(result["meter"].cpu / result["count"] * 1000)


def spread(values: list[float], fmt: str = ".2f") -> str:
    if len(values) == 1:
        return format(values[0], fmt)
    return (
        f"{format(statistics.median(values), fmt)} "
        f"({format(min(values), fmt)}–{format(max(values), fmt)})"
    )


async def run(scale: Scale) -> list[Section]:
    count = scale.pick(1_000, 5_000)
    floor_n = scale.pick(500, 2_000)
    rounds = 3
    mine: list[dict[str, Any]] = []
    bare: list[dict[str, Any]] = []
    adapted: list[dict[str, Any]] = []
    load = [os.getloadavg()[0]] if hasattr(os, "getloadavg") else []
    on_pg: list[dict[str, Any]] = []
    async with RemoteFake("telegram", rtt=RTT) as fake:
        with tempfile.TemporaryDirectory(prefix="mentorhub-b7-") as tmp:
            for r in range(rounds):
                base = 10_000_000 + r * 1_000_000
                url = await fresh_sqlite(Path(tmp) / f"b7-{r}.db")
                mine.append(await ours(fake, count, url, base))
                sdk, adapter = await floors(fake, floor_n, base + 500_000)
                bare.append(sdk)
                adapted.append(adapter)
                if load:
                    load.append(os.getloadavg()[0])
        if scale.pg_url:  # the same on PostgreSQL (its server's CPU is not ours to count)
            try:
                for r in range(rounds):
                    url = await fresh_pg(scale.pg_url, PG_DB)
                    on_pg.append(await ours(fake, count, url, 20_000_000 + r * 1_000_000))
            finally:
                await drop_pg(scale.pg_url, PG_DB)

    ours_ms = [cpu_ms(m) for m in mine]
    sdk_ms = [cpu_ms(m) for m in bare]
    adapter_ms = [cpu_ms(m) for m in adapted]
    per_core = [1000 / v for v in ours_ms]
    wall = [m["count"] / m["meter"].wall for m in mine]
    fake_ms = [m["meter"].fake / m["count"] * 1000 for m in mine]
    section = Section(
        "B7",
        f"mentorhub's own ceiling: {count:,} nudges to distinct chats, Telegram stand-in in "
        f"its own process without limits, {RTT * 1000:.0f} ms RTT, {SENDERS} senders, SQLite",
    )
    section.row(
        "CPU per message",
        f"{spread(ours_ms)} ms",
        f"SDK floor {spread(sdk_ms)} ms; adapter without outbox {spread(adapter_ms)} ms "
        f"(n={floor_n})",
    )
    section.row(
        "msg/s per core (1000 / CPU ms)",
        spread(per_core, ".0f"),
        f"SDK floor {spread([1000 / v for v in sdk_ms], '.0f')}; "
        f"adapter {spread([1000 / v for v in adapter_ms], '.0f')}",
    )
    section.row(
        "wall msg/s",
        spread(wall, ".0f"),
        f"SDK floor {spread([m['count'] / m['meter'].wall for m in bare], '.0f')}",
    )
    if on_pg:
        pg_ms = [cpu_ms(m) for m in on_pg]
        section.row(
            "on PostgreSQL: CPU per message, msg/s per core",
            f"{spread(pg_ms)} ms, {spread([1000 / v for v in pg_ms], '.0f')}/core",
            f"wall {spread([m['count'] / m['meter'].wall for m in on_pg], '.0f')} msg/s; "
            f"lost / duplicated {sum(m['lost'] for m in on_pg)} / "
            f"{sum(m['duplicated'] for m in on_pg)}",
        )
    section.row("stand-in CPU per message", f"{spread(fake_ms)} ms (its own process)")
    section.row(
        "lost / duplicated",
        f"{sum(m['lost'] for m in mine)} / {sum(m['duplicated'] for m in mine)}",
        f"floors {sum(m['lost'] for m in bare + adapted)} / "
        f"{sum(m['duplicated'] for m in bare + adapted)}",
    )
    section.row("worker report (last round)", str(mine[-1]["report"]).replace("DeliveryReport", ""))
    best = statistics.median(per_core)
    section.check(
        f"≥ {GOAL:.0f} msg/s per core", best >= GOAL, f"{best:.0f} msg/s per core (median)"
    )
    section.check(
        "0 lost, 0 duplicated",
        all(m["lost"] == m["duplicated"] == 0 for m in mine),
        f"{sum(m['lost'] for m in mine)} / {sum(m['duplicated'] for m in mine)}",
    )
    section.note(
        f"median (range) of {rounds} rounds; CPU is this process's, all threads; "
        f"load average {', '.join(f'{v:.1f}' for v in load)} during the run"
    )
    return [section]
