"""A local stand-in for Slack's Web API, response_url sinks and Socket Mode.

The real, unmodified ``slack_sdk.web.async_client.AsyncWebClient`` and slack-bolt's
``AsyncApp`` / ``AsyncSocketModeHandler`` talk to it when pointed at
``FakeSlack.api_url`` (``AsyncWebClient(token=..., base_url=fake.api_url)``).

Everything binds to 127.0.0.1 on an ephemeral port; nothing reaches beyond it.

    async with FakeSlack(per_channel_rate=1.0) as slack:
        client = AsyncWebClient(token="xoxb-test", base_url=slack.api_url)
        await client.chat_postMessage(channel="C1", text="hi")
        assert slack.posted_messages("C1")[0]["text"] == "hi"

Inbound helpers (``sign``, ``post_signed`` and the ``*_payload`` / ``*_form`` /
``*_json`` builders) produce Slack's wire formats for requests *to* the app under test.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import itertools
import json
import math
import time
import urllib.parse
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import aiohttp
from aiohttp import WSMsgType, web

__all__ = [
    "DEFAULT_TEAM_ID",
    "FORM_CONTENT_TYPE",
    "JSON_CONTENT_TYPE",
    "Call",
    "FakeSlack",
    "InboundResponse",
    "SharedFile",
    "block_actions_form",
    "block_actions_payload",
    "event_callback_json",
    "event_callback_payload",
    "message_event",
    "post_signed",
    "sign",
    "slash_command_form",
    "slash_command_payload",
    "url_verification_json",
    "view_submission_form",
    "view_submission_payload",
]

T = TypeVar("T")

DEFAULT_TEAM_ID = "T0001"
BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"
APP_ID = "A0001"
VERIFICATION_TOKEN = "verification_token"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
JSON_CONTENT_TYPE = "application/json"

# Parameters the SDK sends as JSON strings inside form bodies.
_JSON_VALUED_PARAMS = frozenset(
    {"blocks", "view", "attachments", "metadata", "unfurls", "user_auth_blocks"}
)
FILE_LIMIT = 1 << 30  # Slack takes files of up to 1 GB
# Methods subject to the per-channel and per-workspace posting limits.
_POSTING_METHODS = frozenset({"chat.postMessage"})


@dataclass(frozen=True)
class Call:
    """One recorded request.

    Equality compares ``method``, ``params`` and ``token`` only. The extra fields tell
    what the fake answered: ``error`` is None for an ``ok`` answer, ``status`` the HTTP
    status, ``response`` the JSON body; ``target`` is the sink name of a
    ``response_url`` post.
    """

    method: str
    params: dict[str, Any]
    token: str | None
    error: str | None = field(default=None, compare=False)
    status: int = field(default=200, compare=False)
    response: dict[str, Any] | None = field(default=None, compare=False, repr=False)
    target: str | None = field(default=None, compare=False)

    @property
    def ok(self) -> bool:
        return self.error is None and self.status < 400


@dataclass
class _ScriptedFailure:
    method: str
    error: str
    status: int
    retry_after: int | None
    channel: str | None
    remaining: int


@dataclass
class SharedFile:
    """A file uploaded through the external upload flow and completed: ``channel`` is where
    it was shared (None: uploaded privately), with ``initial_comment`` if one was given."""

    file_id: str
    filename: str
    title: str
    data: bytes
    channel: str | None
    initial_comment: str | None = None


@dataclass
class _Upload:
    filename: str
    length: int
    data: bytes | None = None
    completed: bool = False


@dataclass
class _User:
    user_id: str
    tz: str
    real_name: str
    display_name: str
    tz_label: str | None
    is_bot: bool
    deleted: bool
    team_id: str
    is_admin: bool = False
    is_owner: bool = False
    locale: str = "en-US"

    def to_json(self) -> dict[str, Any]:
        zone = ZoneInfo(self.tz)
        now = datetime.now(zone)
        offset = now.utcoffset()
        return {
            "id": self.user_id,
            "team_id": self.team_id,
            "name": self.display_name.lower().replace(" ", ".") or self.user_id.lower(),
            "deleted": self.deleted,
            "real_name": self.real_name,
            "tz": self.tz,
            "tz_label": self.tz_label or now.tzname() or self.tz,
            "tz_offset": int(offset.total_seconds()) if offset is not None else 0,
            "is_bot": self.is_bot,
            "is_admin": self.is_admin,
            "is_owner": self.is_owner,
            "is_primary_owner": self.is_owner,
            "is_app_user": False,
            "updated": 1700000000,
            "profile": {
                "real_name": self.real_name,
                "real_name_normalized": self.real_name,
                "display_name": self.display_name,
                "display_name_normalized": self.display_name,
                "team": self.team_id,
            },
        }


MethodHandler = Callable[[dict[str, Any], str | None], dict[str, Any]]


class FakeSlack:
    """Slack Web API + response_url sinks + Socket Mode on 127.0.0.1.

    Options:
        rtt: server-side latency added to every HTTP answer (seconds).
        per_channel_rate: accepted ``chat.postMessage`` per channel per rolling second.
        workspace_rate_per_min: accepted ``chat.postMessage`` per team per rolling minute
            (the team is the one mapped to the bot token, see ``add_workspace``).
        default_team_id: team of tokens never passed to ``add_workspace``.
    """

    def __init__(
        self,
        *,
        rtt: float = 0.0,
        per_channel_rate: float | None = None,
        workspace_rate_per_min: float | None = None,
        default_team_id: str = DEFAULT_TEAM_ID,
    ) -> None:
        self.rtt = rtt
        self.per_channel_rate = per_channel_rate
        self.workspace_rate_per_min = workspace_rate_per_min
        self.default_team_id = default_team_id

        self.calls: list[Call] = []
        self.rejected_429 = 0
        self.socket_acks: dict[str, dict[str, Any]] = {}
        self.socket_sent: list[dict[str, Any]] = []
        self.socket_connections = 0  # connections ever accepted

        self._workspaces: dict[str, str] = {}
        self._users: dict[str, _User] = {}
        self._members: dict[str, list[str]] = {}
        self._failures: list[_ScriptedFailure] = []
        self._handlers: dict[str, MethodHandler] = {}
        self._channel_windows: dict[tuple[str, str], deque[float]] = {}
        self._team_windows: dict[str, deque[float]] = {}
        self._ts_counter = itertools.count(1700000000_000100, 100)
        # Slack stamps a message (its ts) with its server's time; by default the fake
        # counts from 1700000000 so stamps are predictable. Set to stamp by a clock.
        self.clock: Callable[[], float] | None = None
        self._last_ts = 0
        self._history: dict[str, list[dict[str, Any]]] = {}  # channel -> messages, oldest first
        self._view_counter = itertools.count(1)
        self._file_counter = itertools.count(1)
        self._uploads: dict[str, _Upload] = {}
        self.shared_files: list[SharedFile] = []
        self._sockets: list[web.WebSocketResponse] = []
        self._changed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._stopping = False

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        if self._runner is not None:
            raise RuntimeError("FakeSlack already started")
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._handle_api)
        app.router.add_post("/response_url/{name:.+}", self._handle_response_url)
        app.router.add_post("/upload/v1/{file_id}", self._handle_upload)
        app.router.add_get("/socket", self._handle_socket)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self._runner = runner
        self._port = runner.addresses[0][1]

    async def stop(self) -> None:
        self._stopping = True
        for ws in list(self._sockets):
            with contextlib.suppress(Exception):
                await ws.close(code=aiohttp.WSCloseCode.GOING_AWAY, message=b"fake stopping")
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeSlack:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # ------------------------------------------------------------------ addresses

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("FakeSlack is not started")
        return self._port

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        """Web API base URL for ``AsyncWebClient(base_url=...)``; ends in ``/``."""
        return f"{self.base_url}/api/"

    @property
    def socket_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/socket"

    def response_url(self, name: str = "default") -> str:
        """A response_url on the fake; posted bodies become ``Call("response_url", ...)``."""
        return f"{self.base_url}/response_url/{urllib.parse.quote(name, safe='')}"

    # ------------------------------------------------------------------ configuration

    def add_workspace(self, token: str, team_id: str) -> None:
        """Map a bot token to a team id (auth.test, workspace rate limit)."""
        self._workspaces[token] = team_id

    def team_for(self, token: str | None) -> str:
        if token is None:
            return self.default_team_id
        return self._workspaces.get(token, self.default_team_id)

    def set_user(
        self,
        user_id: str,
        *,
        tz: str = "Europe/Berlin",
        real_name: str | None = None,
        display_name: str | None = None,
        tz_label: str | None = None,
        is_bot: bool = False,
        deleted: bool = False,
        team_id: str | None = None,
        is_admin: bool = False,
        is_owner: bool = False,
        locale: str = "en-US",
    ) -> None:
        """Make ``users.info`` know a user. ``tz`` must be an IANA zone name; ``is_admin``
        / ``is_owner``: a workspace admin / owner (users.info says so); ``locale``: their
        Slack's language, given only to ``include_locale=true``."""
        ZoneInfo(tz)  # fail early on a bad zone name
        name = real_name if real_name is not None else f"User {user_id}"
        self._users[user_id] = _User(
            user_id=user_id,
            tz=tz,
            real_name=name,
            display_name=display_name if display_name is not None else name,
            tz_label=tz_label,
            is_bot=is_bot,
            deleted=deleted,
            team_id=team_id or self.default_team_id,
            is_admin=is_admin or is_owner,
            is_owner=is_owner,
            locale=locale,
        )

    def set_members(self, channel: str, *user_ids: str) -> None:
        """Who is in a channel (``conversations.members``); a channel never set is
        ``channel_not_found``."""
        self._members[channel] = list(user_ids)

    def fail_next(
        self,
        method: str,
        *,
        error: str,
        status: int = 200,
        retry_after: int | None = None,
        channel: str | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` (optionally only those to
        ``channel``) with ``{"ok": false, "error": error}`` and HTTP ``status``.
        ``status=429`` adds ``Retry-After`` (``retry_after`` or 1). ``method`` may be
        ``"response_url"`` for the sinks."""
        self._failures.append(_ScriptedFailure(method, error, status, retry_after, channel, times))

    def set_handler(self, method: str, handler: MethodHandler) -> None:
        """Replace the answer of a Web API method: ``handler(params, token) -> body``."""
        self._handlers[method] = handler

    # ------------------------------------------------------------------ inspection

    def calls_to(self, method: str, *, ok_only: bool = False) -> list[Call]:
        return [c for c in self.calls if c.method == method and (c.ok or not ok_only)]

    def deactivate(self, user_id: str) -> dict[str, Any]:
        """An admin deactivates the member: ``users.info`` says ``deleted`` from now on;
        returns the ``user_change`` event Slack sends apps about it (its ``user`` is the
        whole user object, as users.info gives it)."""
        user = self._users[user_id]
        user.deleted = True
        now = f"{time.time():.6f}"
        return {"type": "user_change", "user": user.to_json(), "cache_ts": int(float(now)),
                "event_ts": now}  # fmt: skip

    def posted_messages(self, channel: str | None = None) -> list[dict[str, Any]]:
        """Params of accepted ``chat.postMessage`` calls, optionally for one channel
        (matched against the channel as sent or as resolved, e.g. ``U1`` or ``D_U1``)."""
        out: list[dict[str, Any]] = []
        for c in self.calls_to("chat.postMessage", ok_only=True):
            resolved = (c.response or {}).get("channel")
            if channel is None or channel in (c.params.get("channel"), resolved):
                out.append(c.params)
        return out

    @property
    def open_sockets(self) -> int:
        """Number of Socket Mode connections currently open."""
        return len(self._sockets)

    def files_in(self, channel: str) -> list[tuple[str, bytes]]:
        """``(file name, bytes)`` of the files shared in ``channel`` (as sent or resolved)."""
        wanted = {channel, self._resolve_channel(channel)}
        return [(f.filename, f.data) for f in self.shared_files if f.channel in wanted]

    def response_url_posts(self, name: str | None = None) -> list[dict[str, Any]]:
        return [c.params for c in self.calls_to("response_url") if name is None or c.target == name]

    def describe_calls(self) -> str:
        lines = [f"{len(self.calls)} recorded call(s):"]
        for i, c in enumerate(self.calls):
            params = json.dumps(c.params, default=str, sort_keys=True)
            if len(params) > 300:
                params = params[:300] + "..."
            state = "ok" if c.ok else f"{c.status} {c.error}"
            target = f" [{c.target}]" if c.target else ""
            lines.append(f"  {i}: {c.method}{target} token={c.token} -> {state} {params}")
        if self.socket_sent or self.socket_acks:
            lines.append(
                f"socket: {len(self.socket_sent)} envelope(s) sent, "
                f"acks for {sorted(self.socket_acks)}, {len(self._sockets)} open connection(s)"
            )
        return "\n".join(lines)

    # ------------------------------------------------------------------ waiting

    def _notify(self) -> None:
        event, self._changed = self._changed, asyncio.Event()
        event.set()

    async def wait_for(
        self,
        predicate: Callable[[], T],
        timeout: float = 5.0,  # noqa: ASYNC109
        *,
        description: str | None = None,
    ) -> T:
        """Wait until ``predicate()`` is truthy and return its value.

        Re-evaluated on every recorded change on the fake (and every 50 ms, for
        predicates about state elsewhere). Raises ``TimeoutError`` listing the calls.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            event = self._changed
            result = predicate()
            if result:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                what = description or getattr(predicate, "__name__", "predicate")
                raise TimeoutError(
                    f"FakeSlack: {what} not satisfied within {timeout} s\n" + self.describe_calls()
                )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), min(remaining, 0.05))

    async def wait_for_calls(
        self,
        method: str,
        n: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109
        *,
        ok_only: bool = False,
    ) -> list[Call]:
        """Wait until at least ``n`` calls to ``method`` are recorded; return them all."""

        def enough() -> list[Call] | None:
            found = self.calls_to(method, ok_only=ok_only)
            return found if len(found) >= n else None

        result = await self.wait_for(enough, timeout, description=f"{n} call(s) to {method!r}")
        assert result is not None
        return result

    async def wait_socket_connected(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        await self.wait_for(
            lambda: bool(self._sockets), timeout, description="a Socket Mode connection"
        )

    async def wait_for_ack(
        self,
        envelope_id: str,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> dict[str, Any]:
        """Wait for the client's ack ``{"envelope_id": ..., "payload"?: ...}``."""
        await self.wait_for(
            lambda: envelope_id in self.socket_acks,
            timeout,
            description=f"ack of envelope {envelope_id}",
        )
        return self.socket_acks[envelope_id]

    # ------------------------------------------------------------------ socket mode

    async def socket_send(
        self,
        envelope_type: str,
        payload: dict[str, Any],
        *,
        accepts_response_payload: bool | None = None,
        retry_attempt: int = 0,
        retry_reason: str = "",
        envelope_id: str | None = None,
    ) -> str:
        """Push an envelope to the newest connected client; return its envelope id.

        ``envelope_type`` is ``"slash_commands"``, ``"interactive"`` or
        ``"events_api"``. ``accepts_response_payload`` defaults as Slack does: true for
        slash commands and view submissions, false otherwise.
        """
        if not self._sockets:
            await self.wait_socket_connected()
        if accepts_response_payload is None:
            accepts_response_payload = envelope_type == "slash_commands" or (
                envelope_type == "interactive" and payload.get("type") == "view_submission"
            )
        eid = envelope_id or str(uuid.uuid4())
        envelope: dict[str, Any] = {
            "envelope_id": eid,
            "payload": payload,
            "type": envelope_type,
            "accepts_response_payload": accepts_response_payload,
        }
        if envelope_type == "events_api":
            envelope["retry_attempt"] = retry_attempt
            envelope["retry_reason"] = retry_reason
        await self._sockets[-1].send_str(json.dumps(envelope))
        self.socket_sent.append(envelope)
        self._notify()
        return eid

    async def socket_disconnect(self, reason: str = "refresh_requested") -> None:
        """Send Slack's ``{"type": "disconnect"}`` message (the SDK then reconnects)."""
        if not self._sockets:
            raise RuntimeError("no Socket Mode connection")
        msg = {
            "type": "disconnect",
            "reason": reason,
            "debug_info": {"host": "fake-slack"},
        }
        await self._sockets[-1].send_str(json.dumps(msg))

    async def _handle_socket(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(autoping=True)  # answers the SDK's pings
        await ws.prepare(request)
        if self._stopping:
            await ws.close(code=aiohttp.WSCloseCode.GOING_AWAY)
            return ws
        self._sockets.append(ws)
        self.socket_connections += 1
        hello = {
            "type": "hello",
            "num_connections": len(self._sockets),
            "debug_info": {
                "host": "fake-slack",
                "build_number": 1,
                "approximate_connection_time": 18060,
            },
            "connection_info": {"app_id": APP_ID},
        }
        await ws.send_str(json.dumps(hello))
        self._notify()
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                try:
                    data = json.loads(msg.data)
                except ValueError:
                    continue
                if isinstance(data, dict) and isinstance(data.get("envelope_id"), str):
                    self.socket_acks[data["envelope_id"]] = data
                    self._notify()
        finally:
            with contextlib.suppress(ValueError):
                self._sockets.remove(ws)
            self._notify()
        return ws

    # ------------------------------------------------------------------ HTTP plumbing

    @staticmethod
    async def _read_params(request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.method not in ("POST", "PUT", "PATCH"):
            return params
        ctype = request.content_type
        if ctype == "application/json":
            raw = await request.text()
            if raw.strip():
                try:
                    body: Any = json.loads(raw)
                except ValueError:
                    body = raw
                if isinstance(body, dict):
                    params.update(body)
                else:
                    params["_body"] = body
        elif ctype in (FORM_CONTENT_TYPE, "multipart/form-data"):
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    content = value.file.read()
                    params[key] = {
                        "filename": value.filename,
                        "content_type": value.content_type,
                        "size": len(content),
                    }
                else:
                    params[key] = value
        else:
            raw = await request.text()
            if raw:
                params["_body"] = raw
        for key in _JSON_VALUED_PARAMS:
            text = params.get(key)
            if isinstance(text, str) and text.lstrip()[:1] in ("[", "{"):
                with contextlib.suppress(ValueError):
                    params[key] = json.loads(text)
        return params

    def _take_failure(self, method: str, params: Mapping[str, Any]) -> _ScriptedFailure | None:
        for failure in self._failures:
            if failure.method != method:
                continue
            if failure.channel is not None and failure.channel != params.get("channel"):
                continue
            failure.remaining -= 1
            if failure.remaining <= 0:
                self._failures.remove(failure)
            return failure
        return None

    def _check_rate(self, method: str, team_id: str, channel: str) -> int | None:
        """Return a Retry-After (s) if the call exceeds a limit, else record it."""
        if method not in _POSTING_METHODS:
            return None
        now = time.monotonic()
        channel_window: deque[float] | None = None
        if self.per_channel_rate is not None:
            channel_window = self._channel_windows.setdefault((team_id, channel), deque())
            while channel_window and channel_window[0] <= now - 1.0:
                channel_window.popleft()
            if len(channel_window) >= self.per_channel_rate:
                return max(1, math.ceil(channel_window[0] + 1.0 - now))
        team_window: deque[float] | None = None
        if self.workspace_rate_per_min is not None:
            team_window = self._team_windows.setdefault(team_id, deque())
            while team_window and team_window[0] <= now - 60.0:
                team_window.popleft()
            if len(team_window) >= self.workspace_rate_per_min:
                return max(1, math.ceil(team_window[0] + 60.0 - now))
        if channel_window is not None:
            channel_window.append(now)
        if team_window is not None:
            team_window.append(now)
        return None

    def _record(self, call: Call) -> None:
        self.calls.append(call)
        if call.status == 429:
            self.rejected_429 += 1
        self._notify()

    @staticmethod
    def _token_of(request: web.Request, params: dict[str, Any]) -> str | None:
        auth = request.headers.get("Authorization", "")
        if auth.lower().startswith("bearer "):
            params.pop("token", None)
            return auth[7:].strip() or None
        token = params.pop("token", None)
        return token if isinstance(token, str) else None

    async def _handle_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._read_params(request)
        token = self._token_of(request, params)
        if self.rtt:
            await asyncio.sleep(self.rtt)

        failure = self._take_failure(method, params)
        if failure is not None:
            return self._error_answer(
                method, params, token, failure.error, failure.status, failure.retry_after
            )

        team_id = self.team_for(token)
        channel = params.get("channel")
        if isinstance(channel, str):
            retry_after = self._check_rate(method, team_id, self._resolve_channel(channel))
            if retry_after is not None:
                return self._error_answer(method, params, token, "ratelimited", 429, retry_after)

        handler = self._handlers.get(method) or self._builtin_handler(method)
        body = handler(params, token)
        error = None if body.get("ok", False) else str(body.get("error", "unknown_error"))
        self._record(Call(method, params, token, error=error, response=body))
        return web.json_response(body)

    def _error_answer(
        self,
        method: str,
        params: dict[str, Any],
        token: str | None,
        error: str,
        status: int,
        retry_after: int | None,
    ) -> web.Response:
        body = {"ok": False, "error": error}
        headers: dict[str, str] = {}
        if status == 429 or retry_after is not None:
            headers["Retry-After"] = str(retry_after if retry_after is not None else 1)
        self._record(Call(method, params, token, error=error, status=status, response=body))
        return web.json_response(body, status=status, headers=headers)

    async def _handle_response_url(self, request: web.Request) -> web.Response:
        name = urllib.parse.unquote(request.match_info["name"])
        params = await self._read_params(request)
        if self.rtt:
            await asyncio.sleep(self.rtt)
        failure = self._take_failure("response_url", params)
        if failure is not None:
            status = failure.status if failure.status != 200 else 404
            self._record(
                Call("response_url", params, None, error=failure.error, status=status, target=name)
            )
            return web.Response(status=status, text=failure.error)
        self._record(Call("response_url", params, None, response={"ok": True}, target=name))
        return web.Response(text="ok")

    async def _handle_upload(self, request: web.Request) -> web.Response:
        """Step 2 of the external upload: the file's bytes POSTed to the ``upload_url``
        (raw, or as a multipart ``file`` part); no token needed, the URL is the credential."""
        upload = self._uploads.get(request.match_info["file_id"])
        if upload is None or upload.completed:
            return web.Response(status=404, text="not found")
        if request.content_type == "multipart/form-data":
            form = await request.post()
            part = form.get("file")
            data = part.file.read() if isinstance(part, web.FileField) else b""
        else:
            data = await request.read()
        upload.data = data
        self._record(
            Call("upload", {"file_id": request.match_info["file_id"], "size": len(data)}, None)
        )
        return web.Response(text=f"OK - {len(data)}")

    # ------------------------------------------------------------------ Web API methods

    def _builtin_handler(self, method: str) -> MethodHandler:
        table: dict[str, MethodHandler] = {
            "auth.test": self._auth_test,
            "apps.connections.open": self._apps_connections_open,
            "conversations.open": self._conversations_open,
            "chat.postMessage": self._chat_post_message,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.update": self._chat_update,
            "chat.delete": self._chat_delete,
            "views.open": self._views_write,
            "views.push": self._views_write,
            "views.update": self._views_write,
            "users.info": self._users_info,
            "files.getUploadURLExternal": self._files_get_upload_url,
            "files.completeUploadExternal": self._files_complete_upload,
            "conversations.members": self._conversations_members,
            "conversations.history": self._conversations_history,
        }
        return table.get(method, lambda params, token: {"ok": True})

    def _files_get_upload_url(self, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        """Step 1: a URL to upload one file of ``length`` bytes to, and the file's id."""
        if token is None:
            return {"ok": False, "error": "not_authed"}
        filename, length = params.get("filename"), str(params.get("length", ""))
        if not filename or not length.isdigit() or int(length) == 0:
            return {"ok": False, "error": "invalid_arguments"}
        if int(length) > FILE_LIMIT:
            return {"ok": False, "error": "file_size_exceeded"}
        file_id = f"F{next(self._file_counter):08d}"
        self._uploads[file_id] = _Upload(str(filename), int(length))
        url = f"{self.base_url}/upload/v1/{file_id}"
        return {"ok": True, "upload_url": url, "file_id": file_id}

    def _files_complete_upload(self, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        """Step 3: finish uploads (``files``: a JSON list of ``{id, title}``) and share them
        in ``channel_id`` (or ``channels``) with an optional ``initial_comment``."""
        if token is None:
            return {"ok": False, "error": "not_authed"}
        try:
            entries = json.loads(str(params.get("files", "")))
        except ValueError:
            return {"ok": False, "error": "invalid_arguments"}
        if not isinstance(entries, list) or not entries:
            return {"ok": False, "error": "invalid_arguments"}
        channels = [str(params["channel_id"])] if params.get("channel_id") else []
        channels += [c for c in str(params.get("channels") or "").split(",") if c]
        done: list[dict[str, Any]] = []
        for entry in entries:
            upload = self._uploads.get(str(entry.get("id")))
            if upload is None or upload.completed or upload.data is None:
                return {"ok": False, "error": "file_not_found"}
            if len(upload.data) != upload.length:
                return {"ok": False, "error": "file_upload_size_mismatch"}
        comment = params.get("initial_comment") or None
        for entry in entries:
            file_id = str(entry["id"])
            upload = self._uploads[file_id]
            upload.completed = True
            title = str(entry.get("title") or upload.filename)
            assert upload.data is not None
            targets: list[str | None] = [*channels] or [None]
            for channel in targets:
                shared = self._resolve_channel(channel) if channel else None
                self.shared_files.append(
                    SharedFile(file_id, upload.filename, title, upload.data, shared, comment)
                )
            done.append(
                {"id": file_id, "name": upload.filename, "title": title, "size": upload.length}
            )
        return {"ok": True, "files": done}

    def _next_ts(self) -> str:
        if self.clock is None:
            n = next(self._ts_counter)
        else:  # unique per message, like Slack's, even for posts in the same microsecond
            n = self._last_ts = max(int(self.clock() * 1_000_000), self._last_ts + 1)
        return f"{n // 1_000_000}.{n % 1_000_000:06d}"

    @staticmethod
    def _resolve_channel(channel: str) -> str:
        # Posting to a user id lands in the DM with that user.
        if channel[:1] in ("U", "W") and channel != BOT_USER_ID:
            return f"D_{channel}"
        return channel

    def _auth_test(self, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        if token is None:
            return {"ok": False, "error": "not_authed"}
        team_id = self.team_for(token)
        domain = team_id.lower()
        return {
            "ok": True,
            "url": f"https://{domain}.slack.com/",
            "team": f"Team {team_id}",
            "user": "mentorhub",
            "team_id": team_id,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _apps_connections_open(self, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        if token is None:
            return {"ok": False, "error": "not_authed"}
        if not token.startswith("xapp-"):
            return {"ok": False, "error": "not_allowed_token_type"}
        return {"ok": True, "url": self.socket_url}

    def _conversations_open(self, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        channel = params.get("channel")
        if isinstance(channel, str) and channel:
            return {"ok": True, "channel": {"id": channel}}
        users_raw = params.get("users")
        users = [u.strip() for u in str(users_raw or "").split(",") if u.strip()]
        if not users:
            return {"ok": False, "error": "users_list_not_supplied"}
        for user in users:
            if user in self._users and self._users[user].deleted:
                return {"ok": False, "error": "user_disabled"}
        cid = f"D_{users[0]}" if len(users) == 1 else "G_" + "_".join(sorted(set(users)))
        return {"ok": True, "no_op": False, "already_open": False, "channel": {"id": cid}}

    def _message(self, params: dict[str, Any], token: str | None, ts: str) -> dict[str, Any]:
        message: dict[str, Any] = {
            "type": "message",
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "app_id": APP_ID,
            "text": params.get("text", ""),
            "ts": ts,
            "team": self.team_for(token),
        }
        for key in ("blocks", "attachments", "thread_ts", "metadata"):
            if key in params:
                message[key] = params[key]
        return message

    def _chat_post_message(self, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        channel = params.get("channel")
        if not isinstance(channel, str) or not channel:
            return {"ok": False, "error": "channel_not_found"}
        if not (params.get("text") or params.get("blocks") or params.get("attachments")):
            return {"ok": False, "error": "no_text"}
        if "metadata" in params and not _metadata_ok(params["metadata"]):
            return {"ok": False, "error": "invalid_metadata_format"}
        ts = self._next_ts()
        message = self._message(params, token, ts)
        self._history.setdefault(self._resolve_channel(channel), []).append(message)
        return {"ok": True, "channel": self._resolve_channel(channel), "ts": ts, "message": message}

    def _conversations_history(self, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        """Newest first, only messages after ``oldest`` and before ``latest`` (each
        included with ``inclusive``), ``limit`` a page (default 100, at most 999) with
        ``has_more`` and ``response_metadata.next_cursor``. A message's ``metadata``
        (posted with chat.postMessage) is returned only with ``include_all_metadata``."""
        channel = str(params.get("channel") or "")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        oldest = float(str(params.get("oldest") or "0"))
        latest = float(str(params.get("latest") or "inf"))
        inclusive = _truthy(params.get("inclusive"))
        with_metadata = _truthy(params.get("include_all_metadata"))
        limit = min(max(int(str(params.get("limit") or "100")), 1), 999)
        start = int(str(params.get("cursor") or "0"))

        def within(message: dict[str, Any]) -> bool:
            ts = float(message["ts"])
            if inclusive:
                return oldest <= ts <= latest
            return oldest < ts < latest

        found = [m for m in reversed(self._history.get(channel, [])) if within(m)]
        page = found[start : start + limit]
        more = start + limit < len(found)
        messages = []
        for message in page:
            shown = {k: v for k, v in message.items() if k != "metadata"}
            if with_metadata and "metadata" in message:
                shown["metadata"] = message["metadata"]
            messages.append(shown)
        return {
            "ok": True,
            "messages": messages,
            "has_more": more,
            "pin_count": 0,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    def _chat_post_ephemeral(self, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        if not params.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        if not params.get("user"):
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "message_ts": self._next_ts()}

    def _chat_update(self, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        channel, ts = params.get("channel"), params.get("ts")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        if not ts:
            return {"ok": False, "error": "message_not_found"}
        return {
            "ok": True,
            "channel": channel,
            "ts": ts,
            "text": params.get("text", ""),
            "message": self._message(params, token, str(ts)),
        }

    def _chat_delete(self, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        return {"ok": True, "channel": params.get("channel"), "ts": params.get("ts")}

    def _views_write(self, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        view = params.get("view")
        if not isinstance(view, dict):
            return {"ok": False, "error": "invalid_arguments"}
        view_id = params.get("view_id") or f"V{next(self._view_counter):08d}"
        return {
            "ok": True,
            "view": {
                "id": view_id,
                "team_id": self.team_for(token),
                "type": view.get("type", "modal"),
                "blocks": view.get("blocks", []),
                "private_metadata": view.get("private_metadata", ""),
                "callback_id": view.get("callback_id", ""),
                "state": {"values": {}},
                "hash": f"1700000000.{view_id}",
                "title": view.get("title"),
                "clear_on_close": False,
                "notify_on_close": False,
                "close": view.get("close"),
                "submit": view.get("submit"),
                "previous_view_id": None,
                "root_view_id": view_id,
                "app_id": APP_ID,
                "external_id": params.get("external_id", view.get("external_id", "")),
                "app_installed_team_id": self.team_for(token),
                "bot_id": BOT_ID,
            },
        }

    def _conversations_members(self, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        """Cursor-paginated like Slack's: ``limit`` (default 100) members a page, and
        ``response_metadata.next_cursor`` ("" on the last page)."""
        members = self._members.get(str(params.get("channel", "")))
        if members is None:
            return {"ok": False, "error": "channel_not_found"}
        start = int(str(params.get("cursor") or "0"))
        limit = int(str(params.get("limit") or "100"))
        page = members[start : start + limit]
        more = start + limit < len(members)
        return {
            "ok": True,
            "members": page,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    def _users_info(self, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        user = self._users.get(str(params.get("user", "")))
        if user is None:
            return {"ok": False, "error": "user_not_found"}
        found = user.to_json()
        if _truthy(params.get("include_locale")):  # users.info: "locale" only when asked
            found["locale"] = user.locale
        return {"ok": True, "user": found}


# ====================================================================== inbound helpers


def _truthy(value: Any) -> bool:
    """A boolean argument as the SDK sends it: true, "true" or "1"."""
    return value is True or str(value).lower() in ("true", "1")


def _metadata_ok(metadata: Any) -> bool:
    """Message metadata as Slack takes it: an ``event_type`` and an ``event_payload``."""
    return (
        isinstance(metadata, dict)
        and isinstance(metadata.get("event_type"), str)
        and bool(metadata["event_type"])
        and isinstance(metadata.get("event_payload"), dict)
    )


def sign(secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    """Slack request-signing headers for ``body`` (``timestamp`` defaults to now)."""
    ts = int(time.time()) if timestamp is None else int(timestamp)
    base = b"v0:" + str(ts).encode() + b":" + body
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Signature": f"v0={digest}", "X-Slack-Request-Timestamp": str(ts)}


@dataclass(frozen=True)
class InboundResponse:
    status: int
    text: str
    headers: dict[str, str]


async def post_signed(
    url: str,
    body: bytes,
    *,
    secret: str,
    timestamp: int | None = None,
    content_type: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> InboundResponse:
    """POST ``body`` to the app under test as Slack would (signed).

    ``content_type`` defaults to JSON for bodies starting with ``{``, else form.
    """
    if not url.startswith(("http://127.0.0.1", "http://localhost")):
        raise ValueError(f"refusing to post outside 127.0.0.1: {url}")
    if content_type is None:
        content_type = JSON_CONTENT_TYPE if body.lstrip().startswith(b"{") else FORM_CONTENT_TYPE
    all_headers = {"Content-Type": content_type, **sign(secret, body, timestamp)}
    if headers:
        all_headers.update(headers)
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=body, headers=all_headers) as resp,
    ):
        text = await resp.text()
        return InboundResponse(resp.status, text, dict(resp.headers))


def _new_trigger_id() -> str:
    return f"1700000000.1.{uuid.uuid4().hex[:16]}"


def _action_ts() -> str:
    return f"{time.time():.6f}"


def _team_domain(team_id: str) -> str:
    return f"team-{team_id.lower()}"


def slash_command_payload(
    *,
    user_id: str,
    response_url: str,
    text: str = "",
    command: str = "/mentor",
    team_id: str = DEFAULT_TEAM_ID,
    channel_id: str | None = None,
    channel_name: str | None = None,
    user_name: str | None = None,
    trigger_id: str | None = None,
    api_app_id: str = APP_ID,
    enterprise_id: str | None = None,
    enterprise_name: str | None = None,
    token: str = VERIFICATION_TOKEN,
) -> dict[str, str]:
    """A slash command as Slack sends it (all values are strings). Also the Socket
    Mode ``slash_commands`` envelope payload. ``channel_id`` defaults to the DM with
    the bot (``D_<user>``)."""
    channel = channel_id or f"D_{user_id}"
    payload = {
        "token": token,
        "team_id": team_id,
        "team_domain": _team_domain(team_id),
        "channel_id": channel,
        "channel_name": channel_name or ("directmessage" if channel.startswith("D") else "general"),
        "user_id": user_id,
        "user_name": user_name or user_id.lower(),
        "command": command,
        "text": text,
        "api_app_id": api_app_id,
        "is_enterprise_install": "false",
    }
    if enterprise_id is not None:
        payload["enterprise_id"] = enterprise_id
        payload["enterprise_name"] = enterprise_name or "Enterprise"
    payload["response_url"] = response_url
    payload["trigger_id"] = trigger_id or _new_trigger_id()
    return payload


def slash_command_form(
    *,
    user_id: str,
    response_url: str,
    text: str = "",
    command: str = "/mentor",
    team_id: str = DEFAULT_TEAM_ID,
    channel_id: str | None = None,
    channel_name: str | None = None,
    user_name: str | None = None,
    trigger_id: str | None = None,
    api_app_id: str = APP_ID,
    enterprise_id: str | None = None,
    enterprise_name: str | None = None,
    token: str = VERIFICATION_TOKEN,
) -> bytes:
    """``application/x-www-form-urlencoded`` body of a slash command."""
    payload = slash_command_payload(
        user_id=user_id,
        response_url=response_url,
        text=text,
        command=command,
        team_id=team_id,
        channel_id=channel_id,
        channel_name=channel_name,
        user_name=user_name,
        trigger_id=trigger_id,
        api_app_id=api_app_id,
        enterprise_id=enterprise_id,
        enterprise_name=enterprise_name,
        token=token,
    )
    return urllib.parse.urlencode(payload).encode()


def _user_obj(user_id: str, team_id: str, user_name: str | None) -> dict[str, str]:
    name = user_name or user_id.lower()
    return {"id": user_id, "username": name, "name": name, "team_id": team_id}


def _form_with_payload(payload: Mapping[str, Any]) -> bytes:
    # Slack sends payload=<percent-encoded JSON>; quote() keeps "/" as in the fixtures.
    return ("payload=" + urllib.parse.quote(json.dumps(payload))).encode()


def block_actions_payload(
    *,
    user_id: str,
    action_id: str,
    value: str | None = None,
    team_id: str = DEFAULT_TEAM_ID,
    response_url: str | None = None,
    trigger_id: str | None = None,
    block_id: str = "b",
    action_type: str = "button",
    button_text: str = "Button",
    channel_id: str | None = None,
    channel_name: str | None = None,
    message_ts: str = "1700000000.000100",
    is_ephemeral: bool = False,
    view: dict[str, Any] | None = None,
    user_name: str | None = None,
    api_app_id: str = APP_ID,
    token: str = VERIFICATION_TOKEN,
    action_ts: str | None = None,
    extra_action_fields: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A ``block_actions`` payload (also the Socket Mode ``interactive`` payload).

    For a click in a message (default) the container is the message in
    ``channel_id`` (default ``D_<user>``) and ``response_url`` is required; with
    ``view=`` the click came from a modal (no channel, no response_url).
    """
    action: dict[str, Any] = {
        "action_id": action_id,
        "block_id": block_id,
        "type": action_type,
        "action_ts": action_ts or _action_ts(),
    }
    if action_type == "button":
        action["text"] = {"type": "plain_text", "text": button_text, "emoji": True}
    if value is not None:
        action["value"] = value
    if extra_action_fields:
        action.update(extra_action_fields)
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": _user_obj(user_id, team_id, user_name),
        "api_app_id": api_app_id,
        "token": token,
    }
    if view is not None:
        payload["container"] = {"type": "view", "view_id": view.get("id", "V0001")}
    else:
        channel = channel_id or f"D_{user_id}"
        payload["container"] = {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel,
            "is_ephemeral": is_ephemeral,
        }
    payload["trigger_id"] = trigger_id or _new_trigger_id()
    payload["team"] = {"id": team_id, "domain": _team_domain(team_id)}
    payload["is_enterprise_install"] = False
    if view is not None:
        payload["view"] = view
    else:
        if response_url is None:
            raise ValueError("a block_actions from a message needs response_url")
        channel = payload["container"]["channel_id"]
        payload["channel"] = {
            "id": channel,
            "name": channel_name or ("directmessage" if channel.startswith("D") else "general"),
        }
        payload["response_url"] = response_url
    payload["actions"] = [action]
    return payload


def block_actions_form(
    *,
    user_id: str,
    action_id: str,
    value: str | None = None,
    team_id: str = DEFAULT_TEAM_ID,
    response_url: str | None = None,
    trigger_id: str | None = None,
    block_id: str = "b",
    action_type: str = "button",
    channel_id: str | None = None,
    message_ts: str = "1700000000.000100",
    view: dict[str, Any] | None = None,
    user_name: str | None = None,
) -> bytes:
    """Form body ``payload=<json>`` of a ``block_actions`` request."""
    return _form_with_payload(
        block_actions_payload(
            user_id=user_id,
            action_id=action_id,
            value=value,
            team_id=team_id,
            response_url=response_url,
            trigger_id=trigger_id,
            block_id=block_id,
            action_type=action_type,
            channel_id=channel_id,
            message_ts=message_ts,
            view=view,
            user_name=user_name,
        )
    )


def _state_values(values: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """``{block_id: {action_id: "text" | {"type": ..., ...}}}`` → Slack's state.values."""
    out: dict[str, dict[str, Any]] = {}
    for block_id, actions in values.items():
        out[block_id] = {}
        for action_id, v in actions.items():
            if isinstance(v, str) or v is None:
                out[block_id][action_id] = {"type": "plain_text_input", "value": v}
            else:
                out[block_id][action_id] = dict(v)
    return out


def view_submission_payload(
    *,
    user_id: str,
    callback_id: str,
    values: Mapping[str, Mapping[str, Any]],
    private_metadata: str = "",
    team_id: str = DEFAULT_TEAM_ID,
    view_id: str = "V0001",
    trigger_id: str | None = None,
    title: str = "Mentorhub",
    blocks: list[dict[str, Any]] | None = None,
    user_name: str | None = None,
    api_app_id: str = APP_ID,
    token: str = VERIFICATION_TOKEN,
    response_urls: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A ``view_submission`` payload. ``values`` is ``state.values``; a plain string
    leaf is shorthand for ``{"type": "plain_text_input", "value": s}``."""
    return {
        "type": "view_submission",
        "team": {"id": team_id, "domain": _team_domain(team_id)},
        "user": _user_obj(user_id, team_id, user_name),
        "api_app_id": api_app_id,
        "token": token,
        "trigger_id": trigger_id or _new_trigger_id(),
        "view": {
            "id": view_id,
            "team_id": team_id,
            "type": "modal",
            "blocks": blocks or [],
            "private_metadata": private_metadata,
            "callback_id": callback_id,
            "state": {"values": _state_values(values)},
            "hash": "1700000000.abcdEFGH",
            "title": {"type": "plain_text", "text": title},
            "clear_on_close": False,
            "notify_on_close": False,
            "close": {"type": "plain_text", "text": "Cancel"},
            "submit": {"type": "plain_text", "text": "Submit"},
            "previous_view_id": None,
            "root_view_id": view_id,
            "app_id": api_app_id,
            "external_id": "",
            "app_installed_team_id": team_id,
            "bot_id": BOT_ID,
        },
        "response_urls": response_urls or [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def view_submission_form(
    *,
    user_id: str,
    callback_id: str,
    values: Mapping[str, Mapping[str, Any]],
    private_metadata: str = "",
    team_id: str = DEFAULT_TEAM_ID,
    view_id: str = "V0001",
    trigger_id: str | None = None,
    title: str = "Mentorhub",
    blocks: list[dict[str, Any]] | None = None,
    user_name: str | None = None,
) -> bytes:
    """Form body ``payload=<json>`` of a ``view_submission`` request."""
    return _form_with_payload(
        view_submission_payload(
            user_id=user_id,
            callback_id=callback_id,
            values=values,
            private_metadata=private_metadata,
            team_id=team_id,
            view_id=view_id,
            trigger_id=trigger_id,
            title=title,
            blocks=blocks,
            user_name=user_name,
        )
    )


def message_event(
    *,
    user_id: str,
    text: str,
    channel_id: str | None = None,
    channel_type: str = "im",
    ts: str | None = None,
    team_id: str = DEFAULT_TEAM_ID,
) -> dict[str, Any]:
    """A ``message`` event (default: a DM to the bot, channel ``D_<user>``)."""
    event_ts = ts or f"{time.time():.6f}"
    return {
        "client_msg_id": str(uuid.uuid4()),
        "type": "message",
        "text": text,
        "user": user_id,
        "ts": event_ts,
        "team": team_id,
        "channel": channel_id or f"D_{user_id}",
        "event_ts": event_ts,
        "channel_type": channel_type,
    }


def event_callback_payload(
    event: Mapping[str, Any],
    *,
    event_id: str | None = None,
    team_id: str = DEFAULT_TEAM_ID,
    event_time: int | None = None,
    api_app_id: str = APP_ID,
    token: str = VERIFICATION_TOKEN,
) -> dict[str, Any]:
    """An Events API ``event_callback`` body (also the ``events_api`` envelope payload).
    ``event_id`` defaults to a fresh unique id; reuse one to simulate a retry."""
    etype = str(event.get("type", "event"))
    channel = event.get("channel")
    context = f"1-{etype}-{team_id}" + (f"-{channel}" if isinstance(channel, str) else "")
    return {
        "token": token,
        "team_id": team_id,
        "api_app_id": api_app_id,
        "event": dict(event),
        "type": "event_callback",
        "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
        "event_time": int(time.time()) if event_time is None else event_time,
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": context,
    }


def event_callback_json(
    event: Mapping[str, Any],
    *,
    event_id: str | None = None,
    team_id: str = DEFAULT_TEAM_ID,
    event_time: int | None = None,
) -> bytes:
    """JSON body of an Events API request."""
    return json.dumps(
        event_callback_payload(event, event_id=event_id, team_id=team_id, event_time=event_time)
    ).encode()


def url_verification_json(challenge: str = "challenge-token") -> bytes:
    return json.dumps(
        {"token": VERIFICATION_TOKEN, "challenge": challenge, "type": "url_verification"}
    ).encode()
