"""Structured logs: JSON lines with a correlation id per inbound event and per outbox row
on every line that work causes, and no secret. The outbox rows go to the real
python-telegram-bot against FakeTelegram, where two people have blocked the bot."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from bots.bootstrap import Mentorhub
from bots.logs import log_handler
from bots.redaction import install_redaction
from core.identity import Platform, UserRef
from core.messages import Outcome
from tests.adapters.telegram import conftest as telegram_fixtures
from tests.adapters.telegram.conftest import running_bot
from tests.core.scheduling_helpers import add_person, queue_notice
from tests.fakes.telegram_api import FakeTelegram

_ptb_timedelta = telegram_fixtures._ptb_timedelta  # PTB's future behaviour, no warnings
pytestmark = pytest.mark.timeout(20)


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = log_handler("json", "", stream)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def parsed(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


async def test_each_outbox_row_correlates_the_lines_it_causes(
    app: Mentorhub, json_lines: io.StringIO
) -> None:
    async with FakeTelegram() as tg, running_bot(app, tg):
        ids = {}
        for user in (101, 102):
            person, _ = await add_person(app, f"u{user}", (Platform("telegram"), "", str(user)))
            await queue_notice(app, person, "hello")
            tg.block(user)
            ids[person] = user
        assert (await app.deliver()).unreachable == 2

    lines = [line for line in parsed(json_lines) if line["logger"] == "core.delivery.worker"]
    by_row: dict[str, list[str]] = {}
    for line in lines:
        assert {"time", "level", "logger", "message"} <= set(line)
        by_row.setdefault(line["correlation_id"], []).append(line["message"])
    assert len(by_row) == 2 and all(key.startswith("outbox-") for key in by_row)
    for row, messages in by_row.items():
        # the row's own id names it, in each line it caused: unreachable, then given up
        assert [m.split(" ")[0] for m in messages] == ["person", "outbox"], messages
        assert f"outbox message {row.removeprefix('outbox-')} " in messages[1]


async def test_an_inbound_event_correlates_its_lines_and_secrets_stay_out(
    app: Mentorhub, json_lines: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "xoxb-very-secret-token-0042"
    install_redaction().add(secret)
    worker = logging.getLogger("core.commands.test")

    async def failing(ctx: object, verb: str, text: str) -> Outcome:
        worker.info("working on %s", verb)
        raise RuntimeError(f"the platform said no to {secret}")

    monkeypatch.setattr(app.hub, "_command", failing)
    ref = UserRef(Platform("telegram"), "", "7")
    await app.hub.command(ref, "help")
    await app.hub.command(ref, "help")

    lines = [line for line in parsed(json_lines) if line["logger"].startswith("core.")]
    assert [line["message"].split(" ")[0] for line in lines] == ["working", "command"] * 2
    ids = [line["correlation_id"] for line in lines]
    first, second = set(ids[:2]), set(ids[2:])
    assert len(first) == len(second) == 1 and first != second  # one id per event
    assert next(iter(first)).startswith("ev-")
    assert "RuntimeError" in lines[1]["exception"]
    assert secret not in json_lines.getvalue() and "[redacted]" in lines[1]["exception"]


async def test_an_update_from_telegram_correlates_the_adapters_lines_too(
    app: Mentorhub, json_lines: io.StringIO
) -> None:
    from tests.fakes.telegram_api import message_update

    async with FakeTelegram() as tg, running_bot(app, tg) as bot:
        for user in (201, 202):
            tg.block(user)  # the answer to their /help can't be sent
            tg.push_update(message_update(user, "/help"))
        await bot.until_handled(2)

    lines = [line for line in parsed(json_lines) if "was not sent" in line["message"]]
    ids = [line.get("correlation_id", "") for line in lines]
    assert len(ids) == 2 and all(i.startswith("ev-") for i in ids) and ids[0] != ids[1]
