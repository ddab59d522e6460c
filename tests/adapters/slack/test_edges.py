"""The edges: signatures, ack before work, retries processed once, Slack's errors and 429s
mapped to delivery outcomes, the app removed from a workspace, start-up failures, wiring."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from datetime import timedelta
from typing import Any

import pytest

from adapters.slack import SlackConfig
from adapters.slack.adapter import SlackMessenger, SlackStartError, _granted_scopes
from bots.bootstrap import Mentorhub, build
from bots.config import Config
from core.clock import ManualClock
from core.delivery import RateLimited, TransientFailure, Unreachable
from core.identity import Platform
from core.messages import Reply, reply_to_data
from core.pacing import Pacer
from core.ports import OutboxMessage
from tests.adapters.slack.conftest import (
    SECRET,
    TEAM,
    Wire,
    account,
    form,
    register,
    running,
    settle,
)
from tests.core.scheduling_helpers import FakeTime as ClockTime
from tests.fakes.slack_api import (
    FakeSlack,
    block_actions_payload,
    event_callback_json,
    event_callback_payload,
    message_event,
    post_signed,
    slash_command_form,
    url_verification_json,
    view_submission_payload,
)
from tests.storage.helpers import pending_outbox


class Spy:
    """Counts hub calls of one kind, optionally holding them until ``release``."""

    def __init__(self, app: Mentorhub, name: str, *, gated: bool = False) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.entered = asyncio.Event()
        self.release = asyncio.Event()
        if not gated:
            self.release.set()
        original = getattr(app.hub, name)

        async def wrapper(*args: Any) -> Any:
            self.calls.append(args)
            self.entered.set()
            await asyncio.wait_for(self.release.wait(), 5)
            return await original(*args)

        setattr(app.hub, name, wrapper)


# --- inbound safety ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["command", "button", "form", "event"])
async def test_bad_signature_and_stale_timestamp_are_refused(
    app: Mentorhub, slack: FakeSlack, kind: str
) -> None:
    spies = [Spy(app, name) for name in ("command", "action", "message", "form", "submit_form")]
    url = slack.response_url()
    body = {
        "command": slash_command_form(user_id="U1", text="start", response_url=url),
        "button": form(
            block_actions_payload(user_id="U1", action_id="mh:0", value="c:help", response_url=url)
        ),
        "form": form(
            view_submission_payload(
                user_id="U1", callback_id="mh_form", private_metadata="1", values={}
            )
        ),
        "event": event_callback_json(message_event(user_id="U1", text="help")),
    }[kind]
    async with running(app, slack) as messenger:
        forged = await post_signed(messenger.url, body, secret="not-the-secret")
        stale = await post_signed(
            messenger.url, body, secret=SECRET, timestamp=int(time.time()) - 6 * 60
        )
        assert await messenger.idle()
    assert (forged.status, stale.status) == (401, 401)
    assert [spy.calls for spy in spies] == [[]] * len(spies)
    assert [call.method for call in slack.calls] == ["auth.test"]  # only our own start-up


@pytest.mark.parametrize("mode", ["http", "socket"])
async def test_ack_returns_before_a_slow_core_call_finishes(
    app: Mentorhub, slack: FakeSlack, mode: str
) -> None:
    spy = Spy(app, "command", gated=True)
    async with running(app, slack, mode=mode) as messenger:
        server_side: list[float] = []
        messenger.on_answered = server_side.append  # HTTP: timed inside our server
        wire = Wire(messenger, slack)
        started = time.perf_counter()
        await wire.command("help", name="slow")  # returns once acked (HTTP 200 / envelope ack)
        acked_after = time.perf_counter() - started
        await asyncio.wait_for(spy.entered.wait(), 5)
        assert slack.response_url_posts("slow") == []  # the core is still busy
        spy.release.set()
        await slack.wait_for(lambda: slack.response_url_posts("slow"))
    assert acked_after < 0.5, f"ack took {acked_after:.3f} s"  # Slack's budget is 3 s
    if mode == "http":
        (answered,) = server_side
        assert answered < 0.1, f"answered after {answered:.3f} s"


async def test_a_retried_event_is_processed_once(app: Mentorhub, slack: FakeSlack) -> None:
    spy = Spy(app, "message")
    async with running(app, slack) as messenger:
        body = event_callback_json(message_event(user_id="U1", text="hello"), event_id="Ev0RETRY")
        first = await post_signed(messenger.url, body, secret=SECRET)
        await settle(messenger, slack, posts=1)
        retry = await post_signed(
            messenger.url,
            body,
            secret=SECRET,
            headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"},
        )
        other = event_callback_json(message_event(user_id="U1", text="again"), event_id="Ev0NEXT")
        await post_signed(messenger.url, other, secret=SECRET)
        await settle(messenger, slack, posts=2)
    assert (first.status, retry.status) == (200, 200)  # a retry is acked, not refused
    assert [args[1] for args in spy.calls] == ["hello", "again"]
    assert len(slack.posted_messages()) == 2


async def test_a_repeated_button_press_is_processed_once(app: Mentorhub, slack: FakeSlack) -> None:
    spy = Spy(app, "action")
    async with running(app, slack) as messenger:
        payload = block_actions_payload(
            user_id="U1",
            action_id="mh:0",
            value="c:privacy",
            response_url=slack.response_url("press"),
            action_ts="1700000000.123456",
        )
        for _ in range(2):
            response = await post_signed(messenger.url, form(payload), secret=SECRET)
            assert response.status == 200
        await settle(messenger, slack, posts=1)
    assert len(spy.calls) == 1


async def test_a_listener_failure_is_contained_and_apologised(
    app: Mentorhub, slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(*args: Any) -> Any:
        raise RuntimeError("boom")

    app.hub.command = broken  # type: ignore[method-assign,assignment]
    async with running(app, slack) as messenger:
        body = slash_command_form(user_id="U1", text="help", response_url=slack.response_url("x"))
        response = await post_signed(messenger.url, body, secret=SECRET)
        await slack.wait_for(lambda: slack.response_url_posts("x"))
    assert response.status == 200  # acked although the work failed
    assert slack.response_url_posts("x")[0]["text"].startswith("Sorry, something went wrong")
    assert "handling a request failed" not in caplog.text  # handled where it happened
    assert "answering T0001:U1 failed" in caplog.text


# --- delivery: 429s and unreachable people ------------------------------------------------


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def test_429_is_rate_limited_for_that_channel_only(
    app: Mentorhub, slack: FakeSlack, clock: ManualClock
) -> None:
    ann, bob = await register(app, "U1", "Ann"), await register(app, "U2", "Bob")
    pacer_time = FakeTime()
    async with running(app, slack, pacer=Pacer(monotonic=pacer_time)) as messenger:
        slack.fail_next(
            "chat.postMessage", error="ratelimited", status=429, retry_after=7, channel="D_U1"
        )
        with pytest.raises(RateLimited) as limited:
            await messenger.send(ann, Reply("to Ann"))
        assert (limited.value.retry_after, limited.value.scope) == (
            7.0,
            f"slack:{TEAM}:U1",
        )  # Ann's DM, as the outbox names it

        await messenger.send(bob, Reply("to Bob"))  # another channel: unaffected
        posts_before = len(slack.calls_to("chat.postMessage"))
        with pytest.raises(RateLimited) as again:  # still blocked: Slack is not even asked
            await messenger.send(ann, Reply("to Ann"))
        assert again.value.retry_after == pytest.approx(7.0)
        assert len(slack.calls_to("chat.postMessage")) == posts_before

        # Through the outbox: Ann's notice waits for Retry-After, then goes. The delivery
        # worker's pacer runs on the test's clock, like the adapter's.
        delivery_time = ClockTime(clock)
        app.delivery.pacer = Pacer(monotonic=delivery_time.monotonic, sleep=delivery_time.sleep)
        async with app.uow() as uow:
            for person in (ann.person_id, bob.person_id):
                await uow.outbox.add(
                    OutboxMessage(
                        person_id=person,
                        key="k1",
                        kind="notice",
                        payload=reply_to_data(Reply("Your mentor wrote <!here>")),
                        created_at=clock.now(),
                        next_attempt_at=clock.now(),
                    )
                )
            await uow.commit()
        report = await app.deliver()
        assert (report.sent, report.rate_limited) == (1, 1), report
        async with app.uow() as uow:
            (waiting,) = await pending_outbox(uow, now=clock.now() + timedelta(hours=1))
        assert waiting.person_id == ann.person_id
        assert waiting.next_attempt_at is not None
        assert waiting.next_attempt_at > clock.now()
        assert waiting.last_error is not None and "slack:T0001:U1" in waiting.last_error

        clock.advance(timedelta(seconds=8))
        pacer_time.now += 8
        assert (await app.deliver()).sent == 1
    notices = [p for p in slack.posted_messages() if p["text"] == "Your mentor wrote &lt;!here&gt;"]
    assert sorted(p["channel"] for p in notices) == ["D_U1", "D_U2"]


@pytest.mark.parametrize(
    ("method", "error", "status", "outcome"),
    [
        ("conversations.open", "user_not_found", 200, Unreachable),
        ("conversations.open", "cannot_dm_bot", 200, Unreachable),
        ("chat.postMessage", "account_inactive", 200, Unreachable),
        ("chat.postMessage", "channel_not_found", 200, Unreachable),
        ("chat.postMessage", "internal_error", 500, TransientFailure),
        ("chat.postMessage", "fatal_error", 503, TransientFailure),
        ("chat.postMessage", "invalid_blocks", 200, TransientFailure),
    ],
)
async def test_slack_errors_map_to_delivery_outcomes(
    app: Mentorhub, slack: FakeSlack, method: str, error: str, status: int, outcome: type
) -> None:
    ann = await register(app, "U1", "Ann")
    async with running(app, slack) as messenger:
        slack.fail_next(method, error=error, status=status)
        with pytest.raises(outcome) as raised:
            await messenger.send(ann, Reply("hi"))
    assert error in str(raised.value) or str(status) in str(raised.value)


async def test_network_failure_is_transient(app: Mentorhub, slack: FakeSlack) -> None:
    ann = await register(app, "U1", "Ann")
    async with running(app, slack) as messenger:
        messenger.directory.remember_dm(TEAM, "U1", "D_U1")
        await slack.stop()  # Slack vanishes
        with pytest.raises(TransientFailure):
            await messenger.send(ann, Reply("hi"))


async def test_an_unreachable_account_is_marked_by_delivery(
    app: Mentorhub, slack: FakeSlack, clock: ManualClock
) -> None:
    ann = await register(app, "U1", "Ann")
    async with running(app, slack):
        slack.fail_next("conversations.open", error="user_not_found")
        async with app.uow() as uow:
            await uow.outbox.add(
                OutboxMessage(
                    person_id=ann.person_id,
                    key="k",
                    kind="notice",
                    payload=reply_to_data(Reply("hi")),
                    created_at=clock.now(),
                    next_attempt_at=clock.now(),
                )
            )
            await uow.commit()
        assert (await app.deliver()).unreachable == 1
    assert (await account(app, "U1")).reachable is False


# --- the app removed from a workspace -------------------------------------------------------


@pytest.mark.parametrize(
    "event",
    [
        {"type": "app_uninstalled"},
        {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UBOT"]}},
    ],
)
async def test_app_removed_stops_sending_until_people_come_back(
    app: Mentorhub, slack: FakeSlack, caplog: pytest.LogCaptureFixture, event: dict[str, Any]
) -> None:
    caplog.set_level(logging.INFO)
    ann, bob = await register(app, "U1", "Ann"), await register(app, "U2", "Bob")
    async with running(app, slack) as messenger:
        wire = Wire(messenger, slack)
        await wire.event(event_callback_payload(event, team_id=TEAM))
        await slack.wait_for(lambda: "removed from workspace" in caplog.text)
        assert await messenger.idle()
        assert [(await account(app, u)).reachable for u in ("U1", "U2")] == [False, False]
        assert await removed_workspaces(app) == [f"slack:{TEAM}"]  # purged after the grace
        calls = len(slack.calls)
        with pytest.raises(Unreachable, match="removed from workspace T0001"):
            await messenger.send(bob, Reply("hi"))
        assert len(slack.calls) == calls  # nothing sent

        # Reinstalled: whoever talks to us again can be reached again.
        await wire.dm("help", user="U1")
        await settle(messenger, slack, posts=1)
        await messenger.send(ann, Reply("welcome back"))
    assert [(await account(app, u)).reachable for u in ("U1", "U2")] == [True, False]
    assert await removed_workspaces(app) == []  # someone there reached us: nothing is purged


async def removed_workspaces(app: Mentorhub) -> list[str]:
    from sqlalchemy import select

    from storage.tables import RemovedWorkspaceRow

    async with app.uow() as uow:
        rows = await uow.session.exec(  # type: ignore[attr-defined]
            select(RemovedWorkspaceRow.platform, RemovedWorkspaceRow.workspace)  # type: ignore[call-overload]
        )
        return [f"{platform}:{workspace}" for platform, workspace in rows.all()]


# --- start-up and wiring --------------------------------------------------------------------


async def test_a_refused_token_stops_start_with_what_to_fix(
    app: Mentorhub, slack: FakeSlack
) -> None:
    slack.set_handler("auth.test", lambda params, token: {"ok": False, "error": "invalid_auth"})
    with pytest.raises(SlackStartError, match="invalid_auth") as error:
        async with running(app, slack):
            pass
    assert "xoxb-test-token" not in str(error.value)


def test_granted_scopes_from_the_response_header() -> None:
    assert _granted_scopes({"x-oauth-scopes": "commands,chat:write, users:read"}) == [
        "commands",
        "chat:write",
        "users:read",
    ]
    assert _granted_scopes({}) is None


@pytest.mark.parametrize("mode", ["http", "socket"])
async def test_messengers_builds_slack_from_config(
    app: Mentorhub, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    monkeypatch.setenv("MENTORHUB_SLACK_BOT_TOKEN", "xoxb-from-env")
    monkeypatch.setenv("MENTORHUB_SLACK_SIGNING_SECRET", "secret-from-env")
    monkeypatch.setenv("MENTORHUB_SLACK_APP_TOKEN", "xapp-from-env")
    slack = SlackConfig(
        enabled=True,
        mode=mode,  # type: ignore[arg-type]
        port=3999,
        base_url="https://slack-gov.com/api/",
        workspace_messages_per_minute=120,
    )
    config = Config(database=app.config.database, sections={"slack": slack})
    (messenger,) = build(config, clock=app.clock, engine=app.engine).messengers
    assert isinstance(messenger, SlackMessenger)
    assert messenger.platform is Platform("slack")
    settings = messenger.settings
    assert (settings.mode, settings.host, settings.port, settings.path) == (
        mode,
        "127.0.0.1",
        3999,
        "/slack/events",
    )
    assert (settings.base_url, settings.workspace_messages_per_minute) == (
        "https://slack-gov.com/api/",
        120,
    )
    assert messenger._client.token == "xoxb-from-env"
    secrets = (messenger._signing_secret, messenger._app_token)
    assert secrets == (("secret-from-env", "") if mode == "http" else ("", "xapp-from-env"))


async def test_url_verification_is_answered(app: Mentorhub, slack: FakeSlack) -> None:
    async with running(app, slack) as messenger:
        response = await post_signed(
            messenger.url, url_verification_json("the-challenge"), secret=SECRET
        )
    assert (response.status, json.loads(response.text)) == (200, {"challenge": "the-challenge"})
