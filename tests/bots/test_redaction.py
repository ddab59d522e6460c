"""No secret reaches a log line: each messenger starts up through ``mentorhub run``'s own
path (config → bootstrap → runner) against its fake platform, with every logger at DEBUG
(the SDKs then log their request parameters), and the captured log is searched for each
secret the configuration names."""

from __future__ import annotations

import asyncio
import io
import logging
import urllib.parse
from collections.abc import AsyncIterator
from typing import Any

import pytest

from adapters.console import ConsoleConfig
from adapters.discord import DiscordConfig
from adapters.slack import SlackConfig
from adapters.telegram import TelegramConfig
from bots.bootstrap import build
from bots.config import Config, DatabaseConfig
from bots.redaction import MASK, SecretRedactor
from bots.runner import run
from core.clock import ManualClock
from core.messengers import Terminal
from tests.adapters.telegram.conftest import free_port
from tests.fakes.discord_api import FakeDiscord, keep_discord_endpoints
from tests.fakes.slack_api import FakeSlack
from tests.fakes.telegram_api import FakeTelegram

pytestmark = pytest.mark.timeout(30)

GUILD = 111111111111111111
TELEGRAM_TOKEN = "987654:Secret-Bot-Token_xyz"
WEBHOOK_SECRET = "webhook-Secret_123"
SLACK_BOT_TOKEN = "xoxb-1-secret-bot-token"
SLACK_SIGNING_SECRET = "signing-secret-abc123"
SLACK_APP_TOKEN = "xapp-1-A0001-secret-app-token"
DB_PASSWORD = "db-Passw0rd!"


async def lines(*items: str) -> AsyncIterator[str]:
    for item in items:
        yield item


async def run_at_debug(
    caplog: pytest.LogCaptureFixture, sqlite_url: str, clock: ManualClock, **sections: Any
) -> str:
    """``mentorhub run`` with these messenger sections and a console that sends one line
    and ends the run; everything logged, at DEBUG, as one text."""
    config = Config(
        database=DatabaseConfig(url=sqlite_url),
        sections={"console": ConsoleConfig(enabled="always"), **sections},
    )
    out = io.StringIO()
    caplog.set_level(logging.DEBUG)
    app = build(config, clock=clock, terminal=Terminal(lines("privacy"), out))
    await asyncio.wait_for(run(app), 20)
    assert "mentorhub stores your name" in out.getvalue()
    handler_text = caplog.text
    records = "\n".join(
        f"{r.getMessage()} {r.exc_text or ''} {r.stack_info or ''}" for r in caplog.records
    )
    return handler_text + "\n" + records


def assert_hidden(log: str, *secrets: str) -> None:
    for secret in secrets:
        for form in {secret, urllib.parse.quote(secret, safe=""), urllib.parse.quote_plus(secret)}:
            assert form not in log, f"{form!r} is in the log"


async def test_telegram_webhook_secret_and_token_never_logged(
    caplog: pytest.LogCaptureFixture,
    sqlite_url: str,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")
    monkeypatch.setenv("MENTORHUB_TELEGRAM_TOKEN", TELEGRAM_TOKEN)
    monkeypatch.setenv("MENTORHUB_TELEGRAM_WEBHOOK_SECRET", WEBHOOK_SECRET)
    async with FakeTelegram() as tg:
        telegram = TelegramConfig(
            enabled=True,
            mode="webhook",
            base_url=tg.base_url,
            webhook_url="https://bot.example.org/telegram",
            webhook_port=free_port(),
        )
        log = await run_at_debug(caplog, sqlite_url, clock, telegram=telegram)
        assert tg.webhook_secret_token == WEBHOOK_SECRET  # it was sent, not lost
    assert "setWebhook" in log  # PTB logged the call and its parameters…
    assert MASK in log  # …with the secrets masked
    assert_hidden(log, TELEGRAM_TOKEN, WEBHOOK_SECRET)


async def test_telegram_polling_token_never_logged(
    caplog: pytest.LogCaptureFixture,
    sqlite_url: str,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")
    monkeypatch.setenv("MENTORHUB_TELEGRAM_TOKEN", TELEGRAM_TOKEN)
    async with FakeTelegram() as tg:
        telegram = TelegramConfig(enabled=True, base_url=tg.base_url)
        log = await run_at_debug(caplog, sqlite_url, clock, telegram=telegram)
    assert "getMe" in log
    assert_hidden(log, TELEGRAM_TOKEN)


@pytest.mark.parametrize("mode", ["http", "socket"])
async def test_slack_tokens_and_signing_secret_never_logged(
    mode: str,
    caplog: pytest.LogCaptureFixture,
    sqlite_url: str,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MENTORHUB_SLACK_BOT_TOKEN", SLACK_BOT_TOKEN)
    monkeypatch.setenv("MENTORHUB_SLACK_SIGNING_SECRET", SLACK_SIGNING_SECRET)
    monkeypatch.setenv("MENTORHUB_SLACK_APP_TOKEN", SLACK_APP_TOKEN)
    async with FakeSlack() as slack:
        config = SlackConfig(
            enabled=True,
            mode=mode,  # type: ignore[arg-type]
            base_url=slack.api_url,
            port=free_port(),
        )
        log = await run_at_debug(caplog, sqlite_url, clock, slack=config)
        if mode == "socket":
            await slack.wait_for(lambda: slack.socket_connections >= 1)
    assert "auth.test" in log or "auth_test" in log
    assert_hidden(log, SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_APP_TOKEN)


async def test_discord_token_never_logged(
    caplog: pytest.LogCaptureFixture,
    sqlite_url: str,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with FakeDiscord(guilds=[GUILD], token="Discord.Secret-Token_42") as dc:
        keep_discord_endpoints(monkeypatch)
        monkeypatch.setenv("MENTORHUB_DISCORD_TOKEN", dc.token)
        config = DiscordConfig(
            enabled=True, guild_ids=(GUILD,), api_base=dc.api_base, gateway_url=dc.gateway_url
        )
        log = await run_at_debug(caplog, sqlite_url, clock, discord=config)
        assert dc.identifies == 1
    assert "IDENTIFY" in log or "identif" in log.lower()
    assert_hidden(log, "Discord.Secret-Token_42")


def test_the_redactor_masks_message_args_exceptions_and_encoded_forms() -> None:
    redactor = SecretRedactor()
    redactor.add("abc:Secret/1", "", "x")  # empty and very short values are ignored
    logger = logging.getLogger("tests.redaction")
    record = logger.makeRecord(
        "tests.redaction", logging.DEBUG, __file__, 1, "call %s with %r", (
            "https://api.example/botabc:Secret/1/getMe", {"secret_token": "abc%3ASecret%2F1"}
        ), None,
    )  # fmt: skip
    redactor.filter(record)
    assert record.getMessage() == (
        f"call https://api.example/bot{MASK}/getMe with {{'secret_token': '{MASK}'}}"
    )
    try:
        raise RuntimeError("token abc:Secret/1 refused")
    except RuntimeError as error:
        failed = logger.makeRecord(
            "tests.redaction", logging.ERROR, __file__, 1, "boom", (), (type(error), error, None)
        )
    redactor.filter(failed)
    assert failed.exc_text is not None and "abc:Secret/1" not in failed.exc_text
    assert MASK in failed.exc_text
    assert logging.Formatter().format(failed).count(MASK) == 1


async def test_the_database_password_is_masked_too(sqlite_url: str, clock: ManualClock) -> None:
    from bots.bootstrap import _redact_configured_secrets

    url = f"postgresql://mentorhub:{urllib.parse.quote(DB_PASSWORD)}@db.example/hub"
    redactor = _redact_configured_secrets(Config(database=DatabaseConfig(url=url)))
    assert redactor.redact(f"connecting with {DB_PASSWORD}") == f"connecting with {MASK}"
