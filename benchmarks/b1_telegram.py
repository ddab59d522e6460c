"""B1: fan-out of one nudge to N Telegram users through the delivery worker.

The stand-in is tests/fakes/telegram_api.py's FakeTelegram with Telegram's limits — 30
messages per rolling second overall, 1 per chat — and 150 ms round trips. Ours: outbox
rows in SQLite, the DeliveryWorker with its token buckets (28/s overall, 1/s per chat)
and 8 concurrent senders, each a real PTB ``Bot`` call. Beside it, measured in the same
run on bounded samples (the slow ones would take too long at full N): sequential
``await bot.send_message()``, and PTB's ``AIORateLimiter(max_retries=3)`` with every send
started at once (``asyncio.gather``), as a PTB application would.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import Scale, Section, fresh_sqlite, median, ms, percentile, secs
from benchmarks.fake_host import LocalFake, RemoteFake, stand_in
from benchmarks.fanout import drain, make_worker, seed, windows
from benchmarks.senders import TelegramBotSender
from core.identity import Platform

TOKEN = "123456:bench-token"
LIMITS: dict[str, Any] = {"rtt": 0.15, "global_rate": 30, "per_chat_rate": 1}
CEILING = 30.0


def bot(base_url: str, pool: int, rate_limiter: Any = None) -> Any:
    from telegram import Bot
    from telegram.ext import ExtBot
    from telegram.request import HTTPXRequest

    request = HTTPXRequest(connection_pool_size=pool, pool_timeout=30.0, read_timeout=30.0)
    if rate_limiter is None:
        return Bot(TOKEN, base_url=base_url, request=request)
    return ExtBot(TOKEN, base_url=base_url, request=request, rate_limiter=rate_limiter)


async def delivery_stats(fake: RemoteFake | LocalFake, expected: int) -> dict[str, int]:
    stats = await fake.command("stats")
    chats = stats["delivered"]
    return {
        "delivered": len(chats),
        "lost": expected - len(set(chats)),
        "duplicated": len(chats) - len(set(chats)),
        "429s": stats["rejected_429"],
    }


async def ours(count: int, work: Path, separate: bool) -> dict[str, Any]:
    url = await fresh_sqlite(work / "b1.db")
    await seed(url, [(Platform("telegram"), "", str(10_000_000 + i)) for i in range(count)])
    async with stand_in("telegram", separate=separate, **LIMITS) as fake:
        client = bot(fake.url, pool=32)
        await client.initialize()
        sender = TelegramBotSender(client)
        engine, worker = make_worker(url, {Platform("telegram"): sender}, senders_per_platform=12)
        await fake.command("clear")
        started = time.perf_counter()
        report = await drain(url, worker)
        elapsed = time.perf_counter() - started
        await client.shutdown()
        await engine.dispose()
        accepted = sender.record.accepted
        return {
            **await delivery_stats(fake, count),
            "elapsed": elapsed,
            "rate": len(accepted) / elapsed,
            "steady": median(windows(accepted, accepted[0], accepted[-1])),
            "worst_window": min(windows(accepted, accepted[0], accepted[-1])),
            "by": [t - started for t in accepted],
            "rtt": sender.record.round_trips,
            "report": report,
        }


async def sequential(count: int, separate: bool) -> dict[str, Any]:
    async with stand_in("telegram", separate=separate, **LIMITS) as fake:
        client = bot(fake.url, pool=1)
        await client.initialize()
        await fake.command("clear")
        rtts, done = [], []
        started = time.perf_counter()
        for i in range(count):
            sent = time.perf_counter()
            await client.send_message(chat_id=20_000_000 + i, text="Monday check-in")
            done.append(time.perf_counter())
            rtts.append(done[-1] - sent)
        elapsed = time.perf_counter() - started
        await client.shutdown()
        return {
            **await delivery_stats(fake, count),
            "elapsed": elapsed,
            "rate": count / elapsed,
            "by": [t - started for t in done],
            "rtt": rtts,
        }


async def ptb_rate_limiter(count: int, separate: bool) -> dict[str, Any]:
    from telegram.ext import AIORateLimiter

    async with stand_in("telegram", separate=separate, **LIMITS) as fake:
        client = bot(fake.url, pool=256, rate_limiter=AIORateLimiter(max_retries=3))
        await client.initialize()
        await fake.command("clear")
        done: list[float] = []

        async def send(i: int) -> None:
            await client.send_message(chat_id=30_000_000 + i, text="Monday check-in")
            done.append(time.perf_counter())

        started = time.perf_counter()
        outcomes = await asyncio.gather(*(send(i) for i in range(count)), return_exceptions=True)
        elapsed = time.perf_counter() - started
        await client.shutdown()
        failures = sum(isinstance(o, BaseException) for o in outcomes)
        return {
            **await delivery_stats(fake, count),
            "elapsed": elapsed,
            "rate": len(done) / elapsed,
            "by": [t - started for t in done],
            "failures": failures,
        }


async def run(scale: Scale) -> list[Section]:
    count = scale.pick(1_000, 10_000)
    seq_n = scale.pick(60, 200)
    ptb_n = scale.pick(300, 1_000)
    with tempfile.TemporaryDirectory(prefix="mentorhub-b1-") as tmp:
        mine = await ours(count, Path(tmp), scale.separate_fakes)
    seq = await sequential(seq_n, scale.separate_fakes)
    ptb = await ptb_rate_limiter(ptb_n, scale.separate_fakes)

    section = Section(
        "B1",
        f"fan-out of {count:,} nudges to the Telegram stand-in "
        "(30/s overall, 1/s per chat, 150 ms RTT)",
    )
    section.row(
        "rate",
        f"{mine['rate']:.1f} msg/s ({count:,} in {secs(mine['elapsed'])}; "
        f"steady {mine['steady']:.0f}/s, worst second {mine['worst_window']:.0f})",
        f"sequential {seq['rate']:.1f} msg/s (n={seq_n}); "
        f"PTB AIORateLimiter {ptb['rate']:.1f} msg/s (n={ptb_n})",
    )
    section.row(
        "429s",
        f"{mine['429s']} ({mine['429s'] / count:.2%})",
        f"sequential {seq['429s']}; PTB {ptb['429s']} ({ptb['429s'] / ptb_n:.1%})",
    )
    section.row(
        "lost / duplicated",
        f"{mine['lost']} / {mine['duplicated']}",
        f"sequential {seq['lost']} / {seq['duplicated']}; "
        f"PTB {ptb['lost']} / {ptb['duplicated']} ({ptb['failures']} sends raised)",
    )
    section.row(
        "send round trip p50 / p99",
        f"{ms(median(mine['rtt']))} / {ms(percentile(mine['rtt'], 99))}",
        f"sequential {ms(median(seq['rtt']))} / {ms(percentile(seq['rtt'], 99))}",
    )
    section.row(
        "delivered after p50 / p99",
        f"{secs(median(mine['by']))} / {secs(percentile(mine['by'], 99))}",
        f"PTB {secs(median(ptb['by']))} / {secs(percentile(ptb['by'], 99))} (of {ptb_n})",
    )
    section.row("worker report", str(mine["report"]).replace("DeliveryReport", ""))
    section.check(
        "≥ 90 % of the 30 msg/s ceiling", mine["rate"] >= 0.9 * CEILING, f"{mine['rate']:.1f}/s"
    )
    section.check("≤ 0.5 % 429s", mine["429s"] <= 0.005 * count, str(mine["429s"]))
    section.check(
        "0 lost, 0 duplicated",
        mine["lost"] == mine["duplicated"] == 0,
        f"{mine['lost']} / {mine['duplicated']}",
    )
    section.check(
        "≥ 4× sequential", mine["rate"] >= 4 * seq["rate"], f"{mine['rate'] / seq['rate']:.1f}×"
    )
    section.check(
        "≥ 1.3× PTB AIORateLimiter",
        mine["rate"] >= 1.3 * ptb["rate"],
        f"{mine['rate'] / ptb['rate']:.2f}×",
    )
    return [section]
