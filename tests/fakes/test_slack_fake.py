"""The real slack-sdk / slack-bolt talking to tests.fakes.slack_api.FakeSlack."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.parse
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from tests.fakes.slack_api import (
    Call,
    FakeSlack,
    block_actions_form,
    block_actions_payload,
    event_callback_json,
    message_event,
    post_signed,
    sign,
    slash_command_form,
    slash_command_payload,
    view_submission_form,
)

pytestmark = pytest.mark.timeout(15)

BOT_TOKEN = "xoxb-test-token"
APP_TOKEN = "xapp-1-A0001-test"
SECRET = "s3cr3t"
BLOCKS = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Hello*"}}]


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        yield fake


def make_client(slack: FakeSlack, token: str = BOT_TOKEN, **kwargs: Any) -> AsyncWebClient:
    return AsyncWebClient(token=token, base_url=slack.api_url, **kwargs)


@asynccontextmanager
async def serve(app: AsyncApp) -> AsyncIterator[str]:
    """Serve a bolt AsyncApp on 127.0.0.1:<ephemeral>; yield its events URL."""
    runner = web.AppRunner(app.web_app(path="/slack/events"), shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}/slack/events"
    finally:
        await runner.cleanup()


# --------------------------------------------------------------------------- Web API


async def test_history_returns_metadata_only_when_asked(slack: FakeSlack) -> None:
    client = make_client(slack)
    slack.clock = lambda: 1800000000.5
    tagged = {"event_type": "task_created", "event_payload": {"id": "TK-1"}}
    first = await client.chat_postMessage(channel="U1", text="one", metadata=tagged)
    second = await client.chat_postMessage(channel="U1", text="two")
    assert (first["ts"], second["ts"]) == ("1800000000.500000", "1800000000.500001")
    with pytest.raises(SlackApiError, match="invalid_metadata_format"):
        await client.chat_postMessage(channel="U1", text="x", metadata={"event_type": "t"})

    plain = await client.conversations_history(channel="D_U1")
    assert [m["text"] for m in plain["messages"]] == ["two", "one"]  # newest first
    assert all("metadata" not in m for m in plain["messages"])
    full = await client.conversations_history(channel="D_U1", include_all_metadata=True)
    assert full["messages"][1]["metadata"] == tagged

    page = await client.conversations_history(channel="D_U1", limit=1)
    assert [m["text"] for m in page["messages"]] == ["two"] and page["has_more"] is True
    cursor = page["response_metadata"]["next_cursor"]
    rest = await client.conversations_history(channel="D_U1", limit=1, cursor=cursor)
    assert [m["text"] for m in rest["messages"]] == ["one"] and rest["has_more"] is False
    after = await client.conversations_history(channel="D_U1", oldest=first["ts"])
    assert [m["text"] for m in after["messages"]] == ["two"]  # oldest itself: not inclusive


async def test_post_message_blocks_recorded_and_decoded(slack: FakeSlack) -> None:
    client = make_client(slack)
    first = await client.chat_postMessage(channel="C1", text="hi", blocks=BLOCKS)
    second = await client.chat_postMessage(channel="C1", text="again")

    assert first["ok"] is True
    assert first["channel"] == "C1"
    assert first["ts"] == "1700000000.000100"
    assert second["ts"] == "1700000000.000200"
    assert first["message"]["blocks"] == BLOCKS

    (call, _) = slack.calls_to("chat.postMessage")
    assert call == Call(
        "chat.postMessage", {"channel": "C1", "text": "hi", "blocks": BLOCKS}, BOT_TOKEN
    )
    assert slack.posted_messages("C1")[0]["blocks"][0]["text"]["text"] == "*Hello*"
    assert [m["text"] for m in slack.posted_messages()] == ["hi", "again"]
    assert slack.posted_messages("C2") == []


async def test_external_file_upload_flow(slack: FakeSlack) -> None:
    client = make_client(slack)
    done = await client.files_upload_v2(
        channel="U1", filename="a.csv", content=b"x,y\n", initial_comment="here"
    )
    assert done["file"]["name"] == "a.csv"
    assert slack.files_in("U1") == [("a.csv", b"x,y\n")]
    assert slack.shared_files[0].initial_comment == "here"
    # completing an upload whose bytes never arrived, or twice, is refused
    url = await client.files_getUploadURLExternal(filename="b.csv", length=3)
    with pytest.raises(SlackApiError) as refused:
        await client.files_completeUploadExternal(files=[{"id": url["file_id"]}], channel_id="C1")
    assert refused.value.response["error"] == "file_not_found"
    with pytest.raises(SlackApiError) as again:
        await client.files_completeUploadExternal(files=[{"id": done["file"]["id"]}])
    assert again.value.response["error"] == "file_not_found"


async def test_users_info_tz_and_unknown_user(slack: FakeSlack) -> None:
    slack.set_user("U1", tz="Europe/Berlin", real_name="Ada Lovelace", display_name="ada")
    client = make_client(slack)
    resp = await client.users_info(user="U1")
    user = resp["user"]
    assert user["tz"] == "Europe/Berlin"
    assert user["tz_offset"] in (3600, 7200)
    assert user["tz_label"] in ("CET", "CEST")
    assert user["real_name"] == "Ada Lovelace"
    assert user["profile"]["display_name"] == "ada"

    with pytest.raises(SlackApiError) as err:
        await client.users_info(user="U404")
    assert err.value.response["error"] == "user_not_found"
    assert slack.calls_to("users.info")[-1].error == "user_not_found"


async def test_auth_test_workspaces_and_conversations_open(slack: FakeSlack) -> None:
    slack.add_workspace("xoxb-other", "T0002")
    auth = await make_client(slack).auth_test()
    assert (auth["team_id"], auth["user_id"], auth["bot_id"]) == ("T0001", "UBOT", "BBOT")
    assert (await make_client(slack, "xoxb-other").auth_test())["team_id"] == "T0002"

    client = make_client(slack)
    dm = await client.conversations_open(users="U1")
    assert dm["channel"]["id"] == "D_U1"
    group = await client.conversations_open(users=["U2", "U1"])
    assert group["channel"]["id"] == "G_U1_U2"
    assert (await client.conversations_open(users="U1,U2"))["channel"]["id"] == "G_U1_U2"

    eph = await client.chat_postEphemeral(channel="C1", user="U1", text="psst")
    assert eph["message_ts"]
    upd = await client.chat_update(channel="C1", ts="1.2", text="edited")
    assert upd["ts"] == "1.2"
    other = await client.reactions_add(channel="C1", timestamp="1.2", name="tada")
    assert other["ok"] is True
    assert slack.calls_to("reactions.add")[0].params["name"] == "tada"


async def test_views_and_form_encoded_bodies(slack: FakeSlack) -> None:
    client = make_client(slack)
    view = {
        "type": "modal",
        "callback_id": "signup",
        "title": {"type": "plain_text", "text": "X"},
        "blocks": BLOCKS,
    }
    opened = await client.views_open(trigger_id="1.2.3", view=view)
    assert opened["view"]["callback_id"] == "signup"
    assert slack.calls_to("views.open")[0].params["view"] == view
    await client.views_update(view_id=opened["view"]["id"], view=view)
    await client.views_push(trigger_id="1.2.4", view=view)
    updated = slack.calls_to("views.update")[0].response
    assert updated is not None
    assert updated["view"]["id"] == opened["view"]["id"]

    # A form-encoded body with JSON-string values, the way other clients send it.
    async with aiohttp.ClientSession() as session:
        form = {"token": "xoxb-form", "channel": "C9", "text": "f", "blocks": json.dumps(BLOCKS)}
        async with session.post(slack.api_url + "chat.postMessage", data=form) as resp:
            body = await resp.json()
    assert body["ok"] is True
    call = slack.calls_to("chat.postMessage")[-1]
    assert call.token == "xoxb-form"
    assert call.params == {"channel": "C9", "text": "f", "blocks": BLOCKS}


async def test_fail_next_scripted_errors(slack: FakeSlack) -> None:
    client = make_client(slack)
    slack.fail_next("chat.postMessage", error="account_inactive", channel="D_U9")
    await client.chat_postMessage(channel="C1", text="not affected")
    with pytest.raises(SlackApiError) as err:
        await client.chat_postMessage(channel="D_U9", text="x")
    assert err.value.response["error"] == "account_inactive"
    await client.chat_postMessage(channel="D_U9", text="only once")

    slack.fail_next("conversations.open", error="user_not_found", times=2)
    for _ in range(2):
        with pytest.raises(SlackApiError):
            await client.conversations_open(users="U1")
    assert (await client.conversations_open(users="U1"))["ok"] is True
    assert [m["text"] for m in slack.posted_messages()] == ["not affected", "only once"]


# --------------------------------------------------------------------------- 429s


async def test_scripted_429_raises_then_retry_handler_succeeds(slack: FakeSlack) -> None:
    slack.fail_next("chat.postMessage", error="ratelimited", status=429, retry_after=1)
    with pytest.raises(SlackApiError) as err:
        await make_client(slack).chat_postMessage(channel="C1", text="x")
    assert err.value.response.status_code == 429
    assert err.value.response.headers["Retry-After"] == "1"
    assert err.value.response["error"] == "ratelimited"
    assert slack.rejected_429 == 1

    slack.fail_next("chat.postMessage", error="ratelimited", status=429, retry_after=1)
    retry = AsyncRateLimitErrorRetryHandler(max_retry_count=1)
    retrying = make_client(slack, retry_handlers=[retry])
    started = time.monotonic()
    resp = await retrying.chat_postMessage(channel="C1", text="eventually")
    assert resp["ok"] is True
    assert time.monotonic() - started >= 1.0
    assert slack.rejected_429 == 2
    assert [c.status for c in slack.calls_to("chat.postMessage")] == [429, 429, 200]
    assert [m["text"] for m in slack.posted_messages("C1")] == ["eventually"]


async def test_per_channel_rate_limit() -> None:
    async with FakeSlack(per_channel_rate=1) as slack:
        client = make_client(slack)
        await client.chat_postMessage(channel="C1", text="one")
        with pytest.raises(SlackApiError) as err:
            await client.chat_postMessage(channel="C1", text="two")
        assert err.value.response.status_code == 429
        assert err.value.response.headers["Retry-After"] == "1"
        assert (await client.chat_postMessage(channel="C2", text="other"))["ok"] is True
        assert slack.rejected_429 == 1
        assert [m["text"] for m in slack.posted_messages()] == ["one", "other"]


async def test_workspace_rate_limit_per_team() -> None:
    async with FakeSlack(workspace_rate_per_min=2) as slack:
        slack.add_workspace("xoxb-a", "TA")
        slack.add_workspace("xoxb-b", "TB")
        a, b = make_client(slack, "xoxb-a"), make_client(slack, "xoxb-b")
        await a.chat_postMessage(channel="C1", text="1")
        await a.chat_postMessage(channel="C2", text="2")
        with pytest.raises(SlackApiError) as err:
            await a.chat_postMessage(channel="C3", text="3")
        assert err.value.response.status_code == 429
        assert 1 <= int(err.value.response.headers["Retry-After"]) <= 60
        assert (await b.chat_postMessage(channel="C1", text="b"))["ok"] is True
        assert slack.rejected_429 == 1


async def test_rtt_and_wait_for_timeout_lists_calls() -> None:
    async with FakeSlack(rtt=0.2) as slack:
        started = time.monotonic()
        await make_client(slack).auth_test()
        assert time.monotonic() - started >= 0.2
        with pytest.raises(TimeoutError, match=r"auth\.test"):
            await slack.wait_for_calls("chat.postMessage", 1, timeout=0.2)


# --------------------------------------------------------------------------- bolt over HTTP


def build_http_app(slack: FakeSlack, seen: list[str]) -> AsyncApp:
    app = AsyncApp(signing_secret=SECRET, client=make_client(slack))

    @app.command("/mentor")
    async def mentor(
        ack: Callable[..., Awaitable[None]],
        respond: Callable[..., Awaitable[Any]],
        client: AsyncWebClient,
        command: dict[str, Any],
    ) -> None:
        await ack()
        seen.append(f"command:{command['text']}")
        await respond(text=f"Working on {command['text']}", response_type="ephemeral")
        await client.chat_postMessage(channel=command["user_id"], text="Hello", blocks=BLOCKS)

    @app.action("pick")
    async def pick(
        ack: Callable[..., Awaitable[None]],
        body: dict[str, Any],
        respond: Callable[..., Awaitable[Any]],
    ) -> None:
        await ack()
        seen.append(f"action:{body['actions'][0]['value']}")
        await respond(text="picked", replace_original=True)

    @app.view("signup")
    async def signup(ack: Callable[..., Awaitable[None]], view: dict[str, Any]) -> None:
        await ack()
        seen.append(
            f"view:{view['private_metadata']}:"
            f"{view['state']['values']['goal']['goal_input']['value']}"
        )

    @app.event("message")
    async def on_message(event: dict[str, Any], say: Callable[..., Awaitable[Any]]) -> None:
        seen.append(f"message:{event['text']}")
        await say(text="got it")

    return app


async def test_bolt_http_signed_slash_command(slack: FakeSlack) -> None:
    seen: list[str] = []
    app = build_http_app(slack, seen)
    async with serve(app) as url:
        body = slash_command_form(
            text="goals", user_id="U1", response_url=slack.response_url("cmd"), trigger_id="1.2.3"
        )
        resp = await post_signed(url, body, secret=SECRET)
        assert resp.status == 200

        (post,) = await slack.wait_for_calls("chat.postMessage", 1)
        await slack.wait_for_calls("response_url", 1)
    assert seen == ["command:goals"]
    assert post.token == BOT_TOKEN
    assert post.params["channel"] == "U1"
    assert post.params["team_id"] == "T0001"  # bolt's per-request client adds team_id
    assert post.params["blocks"] == BLOCKS
    assert post.response is not None
    assert post.response["channel"] == "D_U1"
    assert slack.posted_messages("D_U1") == [post.params]
    assert slack.response_url_posts("cmd") == [
        {"text": "Working on goals", "response_type": "ephemeral"}
    ]
    assert slack.calls[0].method == "auth.test"  # bolt authorizes on the first request


async def test_bolt_http_rejects_bad_signature_and_stale_timestamp(slack: FakeSlack) -> None:
    seen: list[str] = []
    app = build_http_app(slack, seen)
    async with serve(app) as url:
        body = slash_command_form(text="x", user_id="U1", response_url=slack.response_url())
        bad = await post_signed(url, body, secret="wrong-secret")
        stale = await post_signed(url, body, secret=SECRET, timestamp=int(time.time()) - 301)
        # Correct signature over a different body.
        headers = sign(SECRET, b"something else")
        async with (
            aiohttp.ClientSession() as session,
            session.post(
                url,
                data=body,
                headers={**headers, "Content-Type": "application/x-www-form-urlencoded"},
            ) as tampered,
        ):
            tampered_status = tampered.status
        await asyncio.sleep(0.2)
    assert (bad.status, stale.status, tampered_status) == (401, 401, 401)
    assert seen == []
    assert slack.calls == []


async def test_bolt_http_block_actions_view_submission_and_event(slack: FakeSlack) -> None:
    seen: list[str] = []
    app = build_http_app(slack, seen)
    async with serve(app) as url:
        action = block_actions_form(
            user_id="U1",
            action_id="pick",
            value="mentor-42",
            response_url=slack.response_url("act"),
        )
        assert (await post_signed(url, action, secret=SECRET)).status == 200
        await slack.wait_for(lambda: slack.response_url_posts("act"))

        submission = view_submission_form(
            user_id="U1",
            callback_id="signup",
            private_metadata="meta-1",
            values={"goal": {"goal_input": "learn rust"}},
        )
        resp = await post_signed(url, submission, secret=SECRET)
        assert resp.status == 200

        event = event_callback_json(
            message_event(user_id="U2", text="hello bot"), event_id="Ev0001"
        )
        resp = await post_signed(url, event, secret=SECRET)
        assert resp.status == 200
        await slack.wait_for(lambda: slack.posted_messages("D_U2"))

    assert seen == ["action:mentor-42", "view:meta-1:learn rust", "message:hello bot"]
    assert slack.response_url_posts("act")[0]["text"] == "picked"
    assert slack.posted_messages("D_U2")[0]["text"] == "got it"


def test_builders_match_fixture_wire_shapes() -> None:
    body = slash_command_form(
        text="Hi",
        user_id="W111",
        team_id="T111",
        channel_id="C111",
        response_url="https://hooks.slack.com/commands/T111/111/xxxxx",
        trigger_id="111.111.xxx",
    )
    parsed = dict(urllib.parse.parse_qsl(body.decode()))
    assert {
        "token",
        "team_id",
        "team_domain",
        "channel_id",
        "channel_name",
        "user_id",
        "user_name",
        "command",
        "text",
        "response_url",
        "trigger_id",
    } <= parsed.keys()
    assert parsed["command"] == "/mentor"
    assert b"response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands" in body

    form = block_actions_form(
        user_id="W111",
        action_id="a",
        value="click_me_123",
        team_id="T111",
        response_url="https://hooks.slack.com/actions/x",
    )
    assert form.startswith(b"payload=%7B%22type%22%3A%20%22block_actions%22")
    assert b"https%3A//hooks.slack.com" in form  # quote() keeps "/" as Slack's fixture does
    payload = json.loads(urllib.parse.unquote(form.decode()[len("payload=") :]))
    assert payload == block_actions_payload(
        user_id="W111",
        action_id="a",
        value="click_me_123",
        team_id="T111",
        response_url="https://hooks.slack.com/actions/x",
        trigger_id=payload["trigger_id"],
        action_ts=payload["actions"][0]["action_ts"],
    )
    assert payload["container"]["type"] == "message"
    assert payload["actions"][0]["type"] == "button"


# --------------------------------------------------------------------------- Socket Mode


async def test_socket_mode_slash_command_acked_and_listener_runs(slack: FakeSlack) -> None:
    app = AsyncApp(signing_secret=SECRET, client=make_client(slack))
    done = asyncio.Event()

    @app.command("/mentor")
    async def mentor(
        ack: Callable[..., Awaitable[None]], client: AsyncWebClient, command: dict[str, Any]
    ) -> None:
        await ack(text="on it")
        await client.chat_postMessage(channel=command["channel_id"], text="socket hello")
        done.set()

    handler = AsyncSocketModeHandler(app, app_token=APP_TOKEN)
    # connect_async/close_async are unannotated in bolt; bind them to typed names.
    connect: Callable[[], Awaitable[None]] = handler.connect_async
    close: Callable[[], Awaitable[None]] = handler.close_async
    await connect()
    try:
        await slack.wait_socket_connected()
        open_call = slack.calls_to("apps.connections.open")[0]
        assert open_call.token == APP_TOKEN
        assert open_call.response == {"ok": True, "url": slack.socket_url}

        payload = slash_command_payload(user_id="U1", text="", response_url=slack.response_url())
        envelope_id = await slack.socket_send("slash_commands", payload)
        ack = await slack.wait_for_ack(envelope_id)
        assert ack == {"envelope_id": envelope_id, "payload": {"text": "on it"}}
        await asyncio.wait_for(done.wait(), 5)
        assert slack.posted_messages("D_U1")[0]["text"] == "socket hello"

        # interactive and events_api envelopes too
        seen: list[str] = []

        @app.action("pick")
        async def pick(ack: Callable[..., Awaitable[None]], body: dict[str, Any]) -> None:
            await ack()
            seen.append(body["actions"][0]["value"])

        eid = await slack.socket_send(
            "interactive",
            block_actions_payload(
                user_id="U1", action_id="pick", value="v1", response_url=slack.response_url()
            ),
        )
        assert await slack.wait_for_ack(eid) == {"envelope_id": eid}
        assert slack.socket_sent[-1]["accepts_response_payload"] is False
        await slack.wait_for(lambda: seen == ["v1"])
    finally:
        await close()
    await slack.wait_for(lambda: slack.socket_connections == 1 and slack.open_sockets == 0)


async def test_socket_ping_pong_and_clean_close_on_stop() -> None:
    async with aiohttp.ClientSession() as session:
        async with FakeSlack() as slack:
            client = make_client(slack, APP_TOKEN)
            url = (await client.apps_connections_open(app_token=APP_TOKEN))["url"]
            assert url == f"ws://127.0.0.1:{slack.port}/socket"
            with pytest.raises(SlackApiError) as err:
                await make_client(slack).apps_connections_open(app_token=BOT_TOKEN)
            assert err.value.response["error"] == "not_allowed_token_type"

            ws = await session.ws_connect(url, autoping=False)
            hello = await ws.receive_json(timeout=2)
            assert hello["type"] == "hello"
            assert hello["num_connections"] == 1
            await ws.ping(b"sdk-ping-pong:1")
            pong = await ws.receive(timeout=2)
            assert (pong.type, pong.data) == (aiohttp.WSMsgType.PONG, b"sdk-ping-pong:1")
            eid = await slack.socket_send("events_api", {"type": "event_callback"})
            envelope = await ws.receive_json(timeout=2)
            assert envelope["envelope_id"] == eid
            assert envelope["type"] == "events_api"
            assert envelope["retry_attempt"] == 0
            await ws.send_json({"envelope_id": eid})
            assert await slack.wait_for_ack(eid) == {"envelope_id": eid}
        # the fake stopped: the client sees a close frame, not a hang
        closing = await ws.receive(timeout=2)
        assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
        await ws.close()
