"""Graceful shutdown of `mentorhub run`: SIGTERM stops receiving, lets the sends under way
finish, hands back every row still claimed (nothing waits out a lease), closes the clients
and exits 0; a second signal exits at once. The real python-telegram-bot sends to
FakeTelegram, paced as in production (30 messages a second)."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from adapters.console import ConsoleConfig
from adapters.telegram import TelegramConfig
from bots.bootstrap import Mentorhub, build
from bots.config import Config, DatabaseConfig, SchedulerConfig
from bots.runner import run
from core.identity import Platform
from core.ports import DueItem
from tests.adapters.telegram import conftest as telegram_fixtures
from tests.core.scheduling_helpers import add_person, queue_notice
from tests.fakes.telegram_api import FakeTelegram

_ptb_timedelta = telegram_fixtures._ptb_timedelta  # PTB's future behaviour, no warnings
pytestmark = pytest.mark.timeout(60)
TOKEN = "123456:TEST-token_abc"
PEOPLE = 90  # three seconds of Telegram's 30 messages a second
ROOT = Path(__file__).resolve().parents[2]


def config_for(tg: FakeTelegram, url: str) -> Config:
    return Config(
        database=DatabaseConfig(url=url),
        scheduler=SchedulerConfig(poll_seconds=0.1, shutdown_seconds=10.0),
        sections={
            "console": ConsoleConfig(enabled="never"),
            "telegram": TelegramConfig(enabled=True, base_url=tg.base_url),
        },
    )


def delivered(tg: FakeTelegram) -> list[str]:
    """The chats each delivered message went to, one entry per message."""
    return [str(params["chat_id"]) for params in tg.sent_messages()]


class Running(logging.Handler):
    """Set once the runner says it runs: its messengers are up and the stop signals are
    its own (asyncio's handler, not the default that would end pytest)."""

    def __init__(self) -> None:
        super().__init__()
        self.event = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith("mentorhub is running"):
            self.event.set()

    async def wait(self) -> None:
        async with asyncio.timeout(10):
            await self.event.wait()
        assert getattr(signal.getsignal(signal.SIGTERM), "__name__", "") == "_sighandler_noop"


@pytest.fixture
def mentorhub_running() -> Iterator[Running]:
    handler = Running()
    root = logging.getLogger()
    level = root.level
    root.setLevel(min(level, logging.INFO))
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


async def rows(app: Mentorhub, table: str) -> list[dict[str, Any]]:
    async with app.engine.connect() as connection:
        result = await connection.execute(text(f"SELECT * FROM {table}"))
        return [dict(row._mapping) for row in result]


async def fan_out(app: Mentorhub) -> list[int]:
    """A notice to each of PEOPLE Telegram users, due now; and one due item for the first."""
    people = []
    for n in range(PEOPLE):
        person, _ = await add_person(app, f"p{n}", (Platform("telegram"), "", str(1000 + n)))
        people.append(person)
    for person in people:
        await queue_notice(app, person, "announcement")
    async with app.uow() as uow:  # no handler: claimed and deferred again and again
        await uow.due.schedule(
            [DueItem("pair:1", "not-handled-here", 1, people[0], app.clock.now())],
            now=app.clock.now(),
        )
        await uow.commit()
    return people


async def test_sigterm_during_a_fan_out_hands_back_every_claim_and_loses_nothing(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, mentorhub_running: Running
) -> None:
    monkeypatch.setenv("MENTORHUB_TELEGRAM_TOKEN", TOKEN)
    async with FakeTelegram(rtt=0.01) as tg:
        config = config_for(tg, sqlite_url)
        app = build(config)
        mentorhub = asyncio.ensure_future(run(app))
        await mentorhub_running.wait()
        await fan_out(app)
        await tg.wait_for(lambda _: len(delivered(tg)) >= 15, timeout=10)

        os.kill(os.getpid(), signal.SIGTERM)
        assert await asyncio.wait_for(mentorhub, 15) == 0

        sent_before = delivered(tg)
        restarted = build(config)  # another worker, a minute later, sees what was left
        outbox = await rows(restarted, "outbox")
        assert [(r["status"], r["last_error"], r["locked_until"]) for r in outbox if r["locked_by"] or r["locked_until"]] == []  # fmt: skip  # noqa: E501
        assert {r["status"] for r in outbox} <= {"sent", "pending"}
        assert [r for r in await rows(restarted, "due_item") if r["status"] == "claimed"] == []
        sent = [r for r in outbox if r["status"] == "sent"]
        assert len(sent) == len(sent_before) == len(set(sent_before))  # recorded, once each
        assert len(sent) < PEOPLE  # the fan-out was cut short…

        (messenger,) = restarted.messengers
        await messenger.start()
        try:
            report = await restarted.deliver()  # …and the rest goes out at once, not after a lease
        finally:
            await messenger.stop()
            await restarted.close()
        assert report.sent == PEOPLE - len(sent)
        assert sorted(delivered(tg)) == sorted(str(1000 + n) for n in range(PEOPLE))


async def test_a_second_signal_exits_at_once(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, mentorhub_running: Running
) -> None:
    monkeypatch.setenv("MENTORHUB_TELEGRAM_TOKEN", TOKEN)
    exits: list[int] = []
    exited = asyncio.Event()

    def exit_now(status: int) -> None:  # recorded instead of ending pytest
        exits.append(status)
        exited.set()

    monkeypatch.setattr(os, "_exit", exit_now)
    async with FakeTelegram() as tg:
        mentorhub = asyncio.ensure_future(run(build(config_for(tg, sqlite_url))))
        await mentorhub_running.wait()
        os.kill(os.getpid(), signal.SIGTERM)
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.wait_for(exited.wait(), 10)
        assert exits == [128 + signal.SIGTERM]
        assert await asyncio.wait_for(mentorhub, 15) == 0


async def test_mentorhub_run_logs_json_lines_and_exits_0_on_sigterm(
    sqlite_url: str, tmp_path: Path
) -> None:
    """The real command in a process of its own: JSON lines on stderr (no token in them,
    even at debug level), and a clean exit on SIGTERM."""
    async with FakeTelegram() as tg:
        config = tmp_path / "mentorhub.toml"
        config.write_text(
            f'[database]\nurl = "{sqlite_url}"\n[log]\nformat = "json"\n[console]\n'
            f'enabled = "never"\n[telegram]\nenabled = true\nbase_url = "{tg.base_url}"\n',
            encoding="utf-8",
        )
        environment = {**os.environ, "MENTORHUB_TELEGRAM_TOKEN": TOKEN, "PTB_TIMEDELTA": "1"}
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bots.cli", "-v", "-c", str(config), "run",
            cwd=ROOT, env=environment, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        assert process.stderr is not None
        lines: list[dict[str, Any]] = []
        try:
            async with asyncio.timeout(30):
                while not any(line["message"].startswith("mentorhub is running") for line in lines):
                    raw = await process.stderr.readline()
                    assert raw, f"mentorhub ended early: {lines}"
                    assert TOKEN.split(":")[1] not in raw.decode()
                    lines.append(json.loads(raw))
            process.send_signal(signal.SIGTERM)
            async with asyncio.timeout(20):
                rest = await process.stderr.read()
                assert await process.wait() == 0
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    assert TOKEN.split(":")[1] not in rest.decode()
    lines += [json.loads(line) for line in rest.decode().splitlines()]
    for line in lines:
        assert {"time", "level", "logger", "message"} <= set(line)
        assert datetime.fromisoformat(line["time"]).tzinfo == UTC
    assert any(line["message"].startswith("SIGTERM: mentorhub stops") for line in lines)
