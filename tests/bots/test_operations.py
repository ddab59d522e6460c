"""The operations port: /healthz, /readyz (the database, each messenger) and /metrics,
served by aiohttp and read over HTTP. The messengers are the real SDKs against the fakes:
discord.py against FakeDiscord closing with 4004 as Discord does after a token reset."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import asyncpg
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.engine import make_url

from bots.bootstrap import Mentorhub
from bots.config import OpsConfig
from bots.ops import OperationsServer
from core.dispatch import Verdict, WorkContext
from core.identity import Platform, UserRef
from core.messages import Notice, Reply
from core.ports import DueItem
from tests.adapters.discord import conftest as discord_fixtures
from tests.adapters.discord.harness import ANN, Harness, dm_of, message_text
from tests.adapters.discord.test_adapter import register
from tests.adapters.discord.test_gateway_failure import close_as_discord_does
from tests.adapters.telegram import conftest as telegram_fixtures
from tests.adapters.telegram.conftest import make_messenger
from tests.conftest import PG_ENV, _create_pg_database, _drop_pg_database, _pg_template, make_app
from tests.fakes.telegram_api import FakeTelegram

_ptb_timedelta = telegram_fixtures._ptb_timedelta  # PTB's future behaviour, no warnings
pytestmark = pytest.mark.timeout(30)
dc, h = discord_fixtures.dc, discord_fixtures.h  # FakeDiscord, and DiscordMessenger on it


async def serve(app: Mentorhub) -> OperationsServer:
    app.config = dataclasses.replace(app.config, ops=OpsConfig(enabled=True, port=0))
    server = OperationsServer(app)
    await server.start()
    return server


@pytest.fixture
async def ops(app: Mentorhub) -> AsyncIterator[OperationsServer]:
    server = await serve(app)
    try:
        yield server
    finally:
        await server.stop()


async def get(server: OperationsServer, path: str) -> tuple[int, Any]:
    url = f"http://127.0.0.1:{server.port}{path}"
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        if response.content_type == "application/json":
            return response.status, await response.json()
        return response.status, await response.text()


async def test_healthz_answers_from_the_event_loop(ops: OperationsServer) -> None:
    assert await get(ops, "/healthz") == (200, {"status": "alive"})


# --- readiness: the database ------------------------------------------------------------


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    server = os.environ.get(PG_ENV)
    if not server:
        pytest.skip(f"{PG_ENV} not set")
    url = await _create_pg_database(server, template=await _pg_template(server))
    try:
        yield url
    finally:
        await _drop_pg_database(server, url)


async def database_allows_connections(url: str, allowed: bool) -> None:
    """As a stopped server does: no new connection, and the open ones cut."""
    server = make_url(os.environ[PG_ENV])
    name = make_url(url).database
    admin = await asyncpg.connect(
        host=server.host, port=server.port or 5432, user=server.username or "postgres",
        database=server.database or "postgres",
    )  # fmt: skip
    try:
        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {str(allowed).lower()}')
        if not allowed:
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1",
                name,
            )
    finally:
        await admin.close()


@pytest.mark.postgres
async def test_readiness_fails_while_the_database_is_down_and_comes_back_with_it(
    pg_url: str, clock: Any
) -> None:
    app = make_app(pg_url, clock)
    server = await serve(app)
    try:
        assert await get(server, "/readyz") == (200, {"ready": True})

        await database_allows_connections(pg_url, False)
        status, body = await get(server, "/readyz")
        assert status == 503 and body["ready"] is False
        assert "not currently accepting connections" in body["not_ready"]["database"]
        assert list(body["not_ready"]) == ["database"]
        _, metrics = await get(server, "/metrics")  # a scrape still answers, saying so
        assert sample(metrics, "mentorhub_ready") == 0
        assert sample(metrics, "mentorhub_scrape_database_errors_total") == 1

        await database_allows_connections(pg_url, True)
        assert await get(server, "/readyz") == (200, {"ready": True})
    finally:
        await database_allows_connections(pg_url, True)
        await server.stop()
        await app.close()


# --- readiness: a messenger that failed for good -----------------------------------------


async def test_readiness_fails_when_discord_fails_for_good_and_recovers_on_restart(
    h: Harness, ops: OperationsServer
) -> None:
    assert await get(ops, "/readyz") == (200, {"ready": True})

    await close_as_discord_does(h.dc, 4004)  # someone pressed Reset Token
    await h.messenger.failed()
    status, body = await get(ops, "/readyz")
    assert status == 503
    assert list(body["not_ready"]) == ["discord"]
    reason = body["not_ready"]["discord"]
    assert "authentication failed (4004)" in reason and "Reset Token" in reason

    await h.restart()  # with the new token, as after fixing the secret and restarting
    assert await get(ops, "/readyz") == (200, {"ready": True})


async def test_readiness_says_shutting_down_once_stopping(
    app: Mentorhub, ops: OperationsServer
) -> None:
    app.begin_stopping()
    assert await get(ops, "/readyz") == (503, {"ready": False, "not_ready": {"process": "shutting down"}})  # fmt: skip  # noqa: E501


# --- metrics -------------------------------------------------------------------------------


def sample(exposition: str, name: str, **labels: str) -> float:
    """The value of the sample ``name`` with ``labels`` (parsed by Prometheus' own parser)."""
    found = [
        s.value
        for family in text_string_to_metric_families(exposition)
        for s in family.samples
        if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())
    ]
    assert len(found) == 1, (name, labels, found)
    return found[0]


async def checkin_nudge(ctx: WorkContext, item: DueItem) -> Verdict:
    return [Notice(item.person_id, Reply("Time for your check-in"), key=item.key, kind="checkin")]


async def test_metrics_count_a_command_and_a_nudge_sent_through_discord(
    h: Harness, app: Mentorhub, ops: OperationsServer
) -> None:
    ann = await register(h, ANN)  # the `start` command
    ref = UserRef(Platform("discord"), "", str(ANN))
    await app.hub.command(ref, "frobnicate")  # not a verb: counted as "unknown"
    app.due_handlers = {"checkin": checkin_nudge}
    async with app.uow() as uow:
        await uow.due.schedule([DueItem("pair:1", "checkin", 1, ann, app.clock.now())], now=app.clock.now())  # fmt: skip  # noqa: E501
        await uow.commit()
    assert (await app.dispatch()).claimed == 1
    assert (await app.deliver()).sent == 1
    assert ["Time for your check-in" in message_text(m) for m in dm_of(h, ANN)] == [True]

    status, text = await get(ops, "/metrics")
    assert status == 200
    assert sample(text, "mentorhub_commands_total", verb="start", outcome="ok") == 1
    assert sample(text, "mentorhub_commands_total", verb="unknown", outcome="refused") == 1
    assert sample(text, "mentorhub_command_duration_seconds_count", verb="start") == 1
    assert sample(text, "mentorhub_nudges_claimed_total", kind="checkin") == 1
    assert (
        sample(
            text, "mentorhub_deliveries_total", kind="checkin", messenger="discord", outcome="sent"
        )
        == 1
    )
    assert sample(text, "mentorhub_delivery_latency_seconds_count", messenger="discord") == 1
    assert sample(text, "mentorhub_outbox_pending") == 0
    assert sample(text, "mentorhub_outbox_oldest_age_seconds") == 0
    assert sample(text, "mentorhub_ready") == 1
    assert "frobnicate" not in text  # label values are bounded: never what someone typed


async def test_metrics_show_the_outbox_backlog_and_its_age(
    sqlite_app: Mentorhub, clock: Any
) -> None:
    from datetime import timedelta

    from tests.core.scheduling_helpers import add_person, queue_notice

    app = sqlite_app
    ann, _ = await add_person(app, "ann", (Platform("discord"), "", "1"))
    await queue_notice(app, ann, "a")
    clock.advance(timedelta(minutes=3))
    server = await serve(app)
    try:
        _, text = await get(server, "/metrics")
    finally:
        await server.stop()
    assert sample(text, "mentorhub_outbox_pending") == 1
    assert sample(text, "mentorhub_outbox_oldest_age_seconds") == 180
    assert sample(text, "mentorhub_active_people") == 0  # enrolled in no program


# --- readiness: Telegram, receiving where this worker holds the polling lease -------------


async def test_telegram_is_ready_once_it_can_send_and_polls_when_asked_to(
    app: Mentorhub, ops: OperationsServer
) -> None:
    async with FakeTelegram() as tg:
        messenger = make_messenger(app, tg)
        assert await get(ops, "/readyz") == (503, {"ready": False, "not_ready": {"telegram": "not connected"}})  # fmt: skip  # noqa: E501
        await messenger.start_sending()  # another worker holds the polling lease
        assert await get(ops, "/readyz") == (200, {"ready": True})
        await messenger.start_receiving()  # this worker took the lease
        assert await get(ops, "/readyz") == (200, {"ready": True})
        assert messenger.application.updater is not None
        await messenger.application.updater.stop()  # polling died under the lease
        assert (await get(ops, "/readyz"))[0] == 503
        await messenger.stop_receiving()  # the lease went to another worker
        assert await get(ops, "/readyz") == (200, {"ready": True})
        await messenger.stop()
        assert (await get(ops, "/readyz"))[0] == 503


async def test_metrics_say_which_receiving_connection_this_worker_holds(
    app: Mentorhub, ops: OperationsServer
) -> None:
    from bots.receiving import ReceiverLease
    from tests.bots.test_receiving import FakeReceiver

    polling = ReceiverLease(app.engine, FakeReceiver(), "telegram-polling:42")
    gateway = ReceiverLease(app.engine, FakeReceiver(), "discord-gateway:7:0")
    app.receiver_leases += [polling, gateway]
    polling.receiving = True  # as ReceiverLease sets it once its lock is taken
    _, text = await get(ops, "/metrics")
    assert sample(text, "mentorhub_receiver_lease_held", receiver="telegram-polling") == 1
    assert sample(text, "mentorhub_receiver_lease_held", receiver="discord-gateway") == 0


async def test_metrics_count_a_429_by_messenger_and_scope_kind(
    app: Mentorhub, ops: OperationsServer
) -> None:
    from tests.adapters.telegram.conftest import running_bot
    from tests.core.scheduling_helpers import add_person, queue_notice

    async with FakeTelegram() as tg, running_bot(app, tg, pacer=app.pacer):
        ann, _ = await add_person(app, "ann", (Platform("telegram"), "", "31"))
        await queue_notice(app, ann, "a")
        tg.fail_next("sendMessage", error_code=429, retry_after=3, chat_id=31)
        assert (await app.deliver()).deferred == 1
    _, text = await get(ops, "/metrics")
    labels = {"messenger": "telegram", "scope": "conversation"}  # Telegram's 429 is per chat
    assert sample(text, "mentorhub_rate_limited_total", **labels) == 1  # one 429, counted once
    assert "31" not in {s.labels.get("scope") for f in text_string_to_metric_families(text) for s in f.samples}  # fmt: skip  # noqa: E501


@pytest.mark.parametrize("mode", ["http", "socket"])
async def test_slack_is_ready_while_it_receives(
    app: Mentorhub, ops: OperationsServer, mode: str
) -> None:
    from adapters.slack.adapter import SlackMessenger, SlackSettings
    from tests.adapters.slack.conftest import APP_TOKEN, BOT_TOKEN, SECRET
    from tests.fakes.slack_api import FakeSlack

    async with FakeSlack() as slack:
        settings = SlackSettings(mode=mode, port=0, base_url=slack.api_url)  # type: ignore[arg-type]
        messenger = SlackMessenger(
            app.hub, settings=settings, bot_token=BOT_TOKEN, signing_secret=SECRET,
            app_token=APP_TOKEN, pacer=app.pacer,
        )  # fmt: skip
        app.outlets.add(messenger)
        assert await get(ops, "/readyz") == (503, {"ready": False, "not_ready": {"slack": "not connected"}})  # fmt: skip  # noqa: E501
        await messenger.start()
        assert await get(ops, "/readyz") == (200, {"ready": True})
        await messenger.stop()
        assert (await get(ops, "/readyz"))[0] == 503


async def test_a_taken_operations_port_stops_the_start_saying_what_to_change(
    app: Mentorhub, ops: OperationsServer
) -> None:
    from bots.ops import OpsPortUnavailable

    app.config = dataclasses.replace(app.config, ops=OpsConfig(enabled=True, port=ops.port))
    with pytest.raises(OpsPortUnavailable, match=r"127\.0\.0\.1:\d+ can't be opened .*\[ops\]"):
        await OperationsServer(app).start()


async def test_a_revoked_telegram_token_fails_readiness_and_sends_stop(
    app: Mentorhub, ops: OperationsServer, caplog: pytest.LogCaptureFixture
) -> None:
    from core.delivery import MessengerFailed
    from tests.adapters.telegram.conftest import TOKEN, account_of, running_bot
    from tests.core.scheduling_helpers import add_person

    async with FakeTelegram() as tg, running_bot(app, tg) as bot:
        await bot.messenger.start_receiving()  # (started already: polling)
        assert await get(ops, "/readyz") == (200, {"ready": True})

        tg.revoke_token(TOKEN)  # BotFather's /revoke
        failure = await asyncio.wait_for(bot.messenger.failed(), 10)
        assert "401 Unauthorized" in failure and "token_env" in failure
        status, body = await get(ops, "/readyz")
        assert status == 503 and body["not_ready"] == {"telegram": failure}
        assert any(r.levelno == logging.ERROR and failure in r.getMessage() for r in caplog.records)

        calls = len(tg.calls)
        await add_person(app, "ann", (Platform("telegram"), "", "5"))
        with pytest.raises(MessengerFailed):
            await bot.messenger.send(await account_of(app, 5), Reply("anyone there?"))
        assert len(tg.calls) == calls  # refused at once, nothing tried with the old token
