"""A small Telegram Bot API stand-in for tests.

The REAL, unmodified python-telegram-bot talks to it over loopback::

    async with FakeTelegram() as tg:
        app = ApplicationBuilder().token("123:ABC").base_url(tg.base_url).build()
        ...

PTB appends the token itself, so requests arrive as ``/bot<TOKEN>/<method>``; any token
is accepted until :meth:`FakeTelegram.revoke_token` (BotFather's /revoke). Every call is
recorded as a :class:`Call`. Inbound updates are injected with
:meth:`FakeTelegram.push_update` (served by ``getUpdates``) or delivered to a webhook with
:meth:`FakeTelegram.post_webhook`. The ``*_update`` builders return dicts in Telegram's
wire format.

Only 127.0.0.1 is ever bound or contacted.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Final, Self

import aiohttp
from aiohttp import web

__all__ = [
    "BOT_ID",
    "BOT_USER",
    "BOT_USERNAME",
    "Call",
    "FakeTelegram",
    "bot_command_entities",
    "callback_query_update",
    "message_update",
    "my_chat_member_update",
    "normalize_chat_id",
]

JSONDict = dict[str, Any]

BOT_ID: Final = 777
BOT_USERNAME: Final = "mentorhub_test_bot"
BOT_FIRST_NAME: Final = "mentorhub"
BOT_USER: Final[Mapping[str, Any]] = {
    "id": BOT_ID,
    "is_bot": True,
    "first_name": BOT_FIRST_NAME,
    "username": BOT_USERNAME,
}
_GET_ME_EXTRA: Final[Mapping[str, Any]] = {
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
    "can_connect_to_business": False,
    "has_main_web_app": False,
}

MAX_TEXT_LENGTH: Final = 4096
MAX_CALLBACK_DATA_BYTES: Final = 64

# Canonical Bot API method names; Telegram matches them case-insensitively.
_KNOWN_METHODS: Final = (
    "getMe",
    "logOut",
    "close",
    "deleteWebhook",
    "setWebhook",
    "getWebhookInfo",
    "getUpdates",
    "sendMessage",
    "editMessageText",
    "editMessageReplyMarkup",
    "answerCallbackQuery",
    "setMyCommands",
    "getMyCommands",
    "deleteMyCommands",
    "sendChatAction",
    "sendDocument",
    "getChat",
    "getChatMember",
)
_CANONICAL: Final = {m.lower(): m for m in _KNOWN_METHODS}

# Methods that address a chat and therefore fail for a chat that blocked the bot.
_CHAT_WRITES: Final = frozenset(
    {"sendMessage", "sendDocument", "sendChatAction", "editMessageText", "editMessageReplyMarkup"}
)
# Methods subject to the global/per-chat message rate windows.
RATE_LIMITED_METHODS: Final = frozenset({"sendMessage", "sendDocument", "editMessageText"})
DOCUMENT_LIMIT: Final = 50 * 1024 * 1024  # "Bots can currently send files of up to 50 MB"

# Parameters whose string values are never JSON-decoded (free text, ids kept verbatim).
_KEEP_AS_STRING: Final = frozenset(
    {
        "chat_id",
        "from_chat_id",
        "text",
        "caption",
        "callback_query_id",
        "inline_message_id",
        "url",
        "secret_token",
        "parse_mode",
        "ip_address",
        "language_code",
        "action",
        "business_connection_id",
        "message_effect_id",
        "description",
        "short_description",
        "name",
        "title",
        "query",
        "emoji",
    }
)

_NOT_FOUND: Final[JSONDict] = {"ok": False, "error_code": 404, "description": "Not Found"}
_BLOCKED_DESCRIPTION: Final = "Forbidden: bot was blocked by the user"
_WEBHOOK_CONFLICT: Final = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
_POLL_CONFLICT: Final = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
_DEFAULT_DESCRIPTIONS: Final[Mapping[int, str]] = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    500: "Internal Server Error",
    502: "Bad Gateway",
}
_SECRET_TOKEN_RE: Final = re.compile(r"[A-Za-z0-9_-]{1,256}")
_BOT_COMMAND_RE: Final = re.compile(r"[a-z0-9_]{1,32}")
_INT_RE: Final = re.compile(r"-?\d+")

_Reply = tuple[int, JSONDict]


# --------------------------------------------------------------------------- records


def normalize_chat_id(value: Any) -> int | str | None:
    """``"1111111"`` / ``1111111`` -> ``1111111``; ``"@channel"`` stays a string."""
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return value
    text = str(value).strip()
    if _INT_RE.fullmatch(text):
        return int(text)
    return text


@dataclass(frozen=True)
class Call:
    """One request the bot made. ``params`` has JSON-ish values decoded (``reply_markup`` is a
    dict, booleans/ints are Python values) except free-text fields and ``chat_id``, which are
    kept as they came (a string for PTB's form bodies). ``status`` is the HTTP status the
    fake answered with; ``at`` the event loop's time when the server counted the request
    against its rate limits (after ``rtt``)."""

    method: str
    params: dict[str, Any]
    token: str = ""
    status: int = 200
    response: JSONDict = field(default_factory=dict, repr=False, compare=False)
    at: float = field(default=0.0, compare=False)

    @property
    def chat_id(self) -> int | str | None:
        """``params["chat_id"]`` normalized (numeric strings become ints)."""
        return normalize_chat_id(self.params.get("chat_id"))

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def result(self) -> Any:
        return self.response.get("result")


@dataclass
class _ScriptedFailure:
    method: str
    error_code: int
    description: str
    retry_after: int | None
    chat_id: int | str | None
    times: int


# --------------------------------------------------------------------------- builders

_builder_message_ids: Iterator[int] = itertools.count(1_000)
_builder_callback_ids: Iterator[int] = itertools.count(1)


def _now() -> int:
    return int(time.time())


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def bot_command_entities(text: str) -> list[JSONDict]:
    """The ``bot_command`` entity Telegram adds for a message starting with ``/``.

    PTB's ``CommandHandler`` only fires when this entity is present at offset 0.
    Offsets/lengths are in UTF-16 code units, like Telegram's.
    """
    if not text.startswith("/"):
        return []
    command = text.split(maxsplit=1)[0] if text.strip() else text
    if len(command) < 2:
        return []
    return [{"type": "bot_command", "offset": 0, "length": _utf16_len(command)}]


def _user(
    user_id: int,
    *,
    first_name: str,
    last_name: str | None = None,
    username: str | None = None,
    language_code: str | None = "en",
) -> JSONDict:
    user: JSONDict = {"id": user_id, "is_bot": False, "first_name": first_name}
    if last_name is not None:
        user["last_name"] = last_name
    if username is not None:
        user["username"] = username
    if language_code is not None:
        user["language_code"] = language_code
    return user


def _chat(
    chat_id: int,
    *,
    user_id: int,
    first_name: str,
    last_name: str | None = None,
    username: str | None = None,
) -> JSONDict:
    if chat_id == user_id or chat_id > 0:
        chat: JSONDict = {"id": chat_id, "type": "private", "first_name": first_name}
        if last_name is not None:
            chat["last_name"] = last_name
        if username is not None:
            chat["username"] = username
        return chat
    kind = "supergroup" if str(chat_id).startswith("-100") else "group"
    return {"id": chat_id, "type": kind, "title": f"Test {kind} {chat_id}"}


def message_update(
    user_id: int,
    text: str,
    *,
    first_name: str = "Test",
    last_name: str | None = None,
    username: str | None = None,
    language_code: str | None = "en",
    chat_id: int | None = None,
    message_id: int | None = None,
    date: int | None = None,
    update_id: int | None = None,
) -> JSONDict:
    """An ``Update`` with a text ``message`` from ``user_id`` (a private chat unless
    ``chat_id`` names a group: negative ids; ``-100…`` is a supergroup). A text starting
    with ``/`` carries the ``bot_command`` entity. ``update_id`` is left out unless given
    (``push_update``/``post_webhook`` assign one)."""
    cid = user_id if chat_id is None else chat_id
    message: JSONDict = {
        "message_id": next(_builder_message_ids) if message_id is None else message_id,
        "date": _now() if date is None else date,
        "chat": _chat(
            cid, user_id=user_id, first_name=first_name, last_name=last_name, username=username
        ),
        "from": _user(
            user_id,
            first_name=first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
        ),
        "text": text,
    }
    entities = bot_command_entities(text)
    if entities:
        message["entities"] = entities
    update: JSONDict = {"message": message}
    if update_id is not None:
        update = {"update_id": update_id, **update}
    return update


def callback_query_update(
    user_id: int,
    data: str,
    *,
    message_id: int,
    chat_id: int | None = None,
    first_name: str = "Test",
    last_name: str | None = None,
    username: str | None = None,
    language_code: str | None = "en",
    message_text: str = "…",
    reply_markup: JSONDict | None = None,
    callback_query_id: str | None = None,
    chat_instance: str = "-5127321842981712345",
    date: int | None = None,
    update_id: int | None = None,
) -> JSONDict:
    """An ``Update`` with a ``callback_query``: ``user_id`` pressed a button carrying
    ``data`` under the bot's message ``message_id`` in ``chat_id`` (default: the user's
    private chat). ``reply_markup`` defaults to a one-button keyboard with ``data``."""
    cid = user_id if chat_id is None else chat_id
    markup = reply_markup or {"inline_keyboard": [[{"text": "button", "callback_data": data}]]}
    query_id = (
        str(next(_builder_callback_ids) + 4_382_000_000_000_000)
        if callback_query_id is None
        else callback_query_id
    )
    update: JSONDict = {
        "callback_query": {
            "id": query_id,
            "from": _user(
                user_id,
                first_name=first_name,
                last_name=last_name,
                username=username,
                language_code=language_code,
            ),
            "chat_instance": chat_instance,
            "data": data,
            "message": {
                "message_id": message_id,
                "date": _now() if date is None else date,
                "chat": _chat(
                    cid,
                    user_id=user_id,
                    first_name=first_name,
                    last_name=last_name,
                    username=username,
                ),
                "from": dict(BOT_USER),
                "text": message_text,
                "reply_markup": markup,
            },
        }
    }
    if update_id is not None:
        update = {"update_id": update_id, **update}
    return update


def my_chat_member_update(
    user_id: int,
    new_status: str = "kicked",
    *,
    old_status: str | None = None,
    first_name: str = "Test",
    last_name: str | None = None,
    username: str | None = None,
    language_code: str | None = "en",
    chat_id: int | None = None,
    date: int | None = None,
    update_id: int | None = None,
) -> JSONDict:
    """An ``Update`` with ``my_chat_member``: the bot's membership in the user's private chat
    changed. ``new_status="kicked"`` is "the user blocked the bot", ``"member"`` is "the user
    unblocked / restarted it". ``old_status`` defaults to the opposite."""
    if new_status not in {"kicked", "member", "left", "administrator", "restricted", "creator"}:
        raise ValueError(f"unsupported chat member status {new_status!r}")
    old = old_status or ("member" if new_status == "kicked" else "kicked")
    cid = user_id if chat_id is None else chat_id

    def member(status: str) -> JSONDict:
        m: JSONDict = {"status": status, "user": dict(BOT_USER)}
        if status == "kicked":
            m["until_date"] = 0
        return m

    update: JSONDict = {
        "my_chat_member": {
            "chat": _chat(
                cid, user_id=user_id, first_name=first_name, last_name=last_name, username=username
            ),
            "from": _user(
                user_id,
                first_name=first_name,
                last_name=last_name,
                username=username,
                language_code=language_code,
            ),
            "date": _now() if date is None else date,
            "old_chat_member": member(old),
            "new_chat_member": member(new_status),
        }
    }
    if update_id is not None:
        update = {"update_id": update_id, **update}
    return update


# --------------------------------------------------------------------------- the fake


def _ok(result: Any, description: str | None = None) -> _Reply:
    body: JSONDict = {"ok": True, "result": result}
    if description is not None:
        body["description"] = description
    return 200, body


def _error(code: int, description: str, retry_after: int | None = None) -> _Reply:
    body: JSONDict = {"ok": False, "error_code": code, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return code, body


def _bad_request(detail: str) -> _Reply:
    return _error(400, f"Bad Request: {detail}")


def _decode_value(key: str, value: Any) -> Any:
    if not isinstance(value, str) or key in _KEEP_AS_STRING:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _as_int(value: Any, default: int) -> int:
    if value is None or value == "":
        return default
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return default


def _as_float(value: Any, default: float) -> float:
    if value is None or value == "":
        return default
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def _as_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.lower() in {"true", "1"}
    return bool(value)


class _Window:
    """Rolling-window limiter: at most ``capacity`` events per ``seconds``."""

    def __init__(self, rate: float) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.seconds = max(1.0, 1.0 / rate)
        self.capacity = max(1, math.floor(rate * self.seconds + 1e-9))
        self._stamps: deque[float] = deque()

    def retry_after(self, now: float) -> int | None:
        while self._stamps and self._stamps[0] <= now - self.seconds:
            self._stamps.popleft()
        if len(self._stamps) < self.capacity:
            return None
        return max(1, math.ceil(self._stamps[0] + self.seconds - now))

    def add(self, now: float) -> None:
        self._stamps.append(now)


class FakeTelegram:
    """Telegram Bot API stand-in on ``127.0.0.1:<os-chosen port>``.

    Args:
        rtt: artificial latency added (server side) to every request, in seconds.
        global_rate: max ``sendMessage``/``editMessageText`` per second over all chats
            (rolling 1 s window); ``None`` = unlimited.
        per_chat_rate: the same per chat; ``None`` = unlimited.
    """

    def __init__(
        self,
        *,
        rtt: float = 0.0,
        global_rate: float | None = None,
        per_chat_rate: float | None = None,
    ) -> None:
        self.rtt = rtt
        self.global_rate = global_rate
        self.per_chat_rate = per_chat_rate
        self.rejected_429 = 0
        self.webhook_url = ""
        self.webhook_secret_token: str | None = None
        self.webhook_params: JSONDict = {}

        self._calls: list[Call] = []
        self._pending: list[JSONDict] = []
        self._next_update_id = 100_000
        self._next_message_id = 1
        self._messages: dict[tuple[int | str, int], JSONDict] = {}
        self._chats: dict[int | str, JSONDict] = {}
        self._blocked: dict[int | str, str] = {}
        self._scripted: list[_ScriptedFailure] = []
        self._commands: dict[tuple[str, str], list[JSONDict]] = {}
        self._global_window = _Window(global_rate) if global_rate else None
        self._chat_windows: dict[int | str, _Window] = {}
        self._poll_generation = 0
        self._revoked: set[str] = set()
        self._revocations = 0
        self._waiting_polls = 0
        self._closing = False
        self._changed = asyncio.Event()  # wakes wait_for() observers
        self._poll_wakeup = asyncio.Event()  # wakes parked getUpdates long polls
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._handlers: dict[str, Callable[[JSONDict], Awaitable[_Reply]]] = {
            "getme": self._get_me,
            "logout": self._true,
            "close": self._true,
            "deletewebhook": self._delete_webhook,
            "setwebhook": self._set_webhook,
            "getwebhookinfo": self._get_webhook_info,
            "getupdates": self._get_updates,
            "sendmessage": self._send_message,
            "senddocument": self._send_document,
            "editmessagetext": self._edit_message_text,
            "editmessagereplymarkup": self._edit_message_reply_markup,
            "answercallbackquery": self._true,
            "setmycommands": self._set_my_commands,
            "getmycommands": self._get_my_commands,
            "deletemycommands": self._delete_my_commands,
            "sendchataction": self._true,
            "getchat": self._get_chat,
            "getchatmember": self._get_chat_member,
        }
        self._member_status: dict[tuple[int | str, int], str] = {}

    # ------------------------------------------------------------------ lifecycle

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def start(self) -> None:
        if self._runner is not None:
            raise RuntimeError("FakeTelegram already started")
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("*", "/{tail:.*}", self._not_found)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self._runner = runner
        self._port = int(runner.addresses[0][1])
        self._closing = False

    async def stop(self) -> None:
        """Release pending long polls at once, then shut the server down."""
        self._closing = True
        self._notify()
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("FakeTelegram is not started")
        return self._port

    @property
    def base_url(self) -> str:
        """For ``ApplicationBuilder().base_url(...)`` / ``Bot(base_url=...)``."""
        return f"http://127.0.0.1:{self.port}/bot"

    # ------------------------------------------------------------------ recording

    @property
    def calls(self) -> list[Call]:
        """Every request so far, in order of completion (a copy). A long poll is recorded when
        it returns, so a client-cancelled poll shows up late (often as a 409, see
        ``getUpdates``)."""
        return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        """All calls of ``method`` (case-insensitive), including failed ones."""
        wanted = method.lower()
        return [c for c in self._calls if c.method.lower() == wanted]

    def sent_messages(
        self, chat_id: int | str | None = None, *, include_failed: bool = False
    ) -> list[JSONDict]:
        """``sendMessage`` params of delivered messages (answered 200), optionally only to
        ``chat_id`` (``1`` and ``"1"`` are the same chat)."""
        wanted = normalize_chat_id(chat_id)
        return [
            c.params
            for c in self.calls_to("sendMessage")
            if (include_failed or c.ok) and (wanted is None or c.chat_id == wanted)
        ]

    def clear_calls(self) -> None:
        self._calls.clear()
        self._notify_observers()

    def _notify(self) -> None:
        """Something changed: wake observers and parked long polls."""
        poll_event, self._poll_wakeup = self._poll_wakeup, asyncio.Event()
        poll_event.set()
        self._notify_observers()

    def _notify_observers(self) -> None:
        event, self._changed = self._changed, asyncio.Event()
        event.set()

    async def wait_for(
        self,
        predicate: Callable[[list[Call]], bool],
        timeout: float = 5.0,  # noqa: ASYNC109 - the bounded wait is the point of the API
    ) -> list[Call]:
        """Wait until ``predicate(calls)`` is true; return the calls. Event-driven; raises
        ``TimeoutError`` listing the recorded calls after ``timeout`` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            snapshot = list(self._calls)
            if predicate(snapshot):
                return snapshot
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(
                    f"condition not met within {timeout}s; recorded calls:\n"
                    + self.describe_calls()
                )
            changed = self._changed
            try:
                async with asyncio.timeout(remaining):
                    await changed.wait()
            except TimeoutError:
                pass

    async def wait_for_calls(
        self,
        method: str,
        n: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109 - the bounded wait is the point of the API
    ) -> list[Call]:
        """Wait until at least ``n`` calls of ``method`` were recorded; return them all."""
        wanted = method.lower()
        try:
            await self.wait_for(
                lambda calls: sum(c.method.lower() == wanted for c in calls) >= n, timeout
            )
        except TimeoutError:
            raise TimeoutError(
                f"expected {n} call(s) of {method} within {timeout}s, got "
                f"{len(self.calls_to(method))}; recorded calls:\n{self.describe_calls()}"
            ) from None
        return self.calls_to(method)

    def describe_calls(self, *, include_get_updates: bool = False) -> str:
        lines = [
            f"  {c.status} {c.method} {c.params}"
            for c in self._calls
            if include_get_updates or c.method != "getUpdates"
        ]
        return "\n".join(lines) or "  (none)"

    # ------------------------------------------------------------------ scripting

    def set_member_status(self, chat_id: int | str, user_id: int, status: str) -> None:
        """What ``getChatMember`` says of ``user_id`` in ``chat_id``: "creator",
        "administrator", "member", "restricted", "left" or "kicked" (default "member")."""
        key = normalize_chat_id(chat_id)
        assert key is not None
        self._member_status[(key, int(user_id))] = status

    def revoke_token(self, token: str) -> None:
        """BotFather's /revoke: every request with ``token`` answers 401 Unauthorized from
        now on, a long poll waiting with it included."""
        self._revoked.add(token)
        self._revocations += 1
        self._notify()

    def block(self, chat_id: int | str, description: str = _BLOCKED_DESCRIPTION) -> None:
        """Sends to ``chat_id`` answer 403 ``description`` (default: blocked by the user;
        use ``"Forbidden: bot can't initiate conversation with a user"`` for a stranger)."""
        key = normalize_chat_id(chat_id)
        assert key is not None
        self._blocked[key] = description

    def unblock(self, chat_id: int | str) -> None:
        key = normalize_chat_id(chat_id)
        if key is not None:
            self._blocked.pop(key, None)

    def fail_next(
        self,
        method: str,
        *,
        error_code: int,
        description: str | None = None,
        retry_after: int | None = None,
        chat_id: int | str | None = None,
        times: int = 1,
    ) -> None:
        """The next ``times`` calls of ``method`` (to ``chat_id`` if given) answer
        ``error_code``. For 429 ``parameters.retry_after`` is set (default 1) and the default
        description is Telegram's "Too Many Requests: retry after N"."""
        if error_code == 429 and retry_after is None:
            retry_after = 1
        if description is None:
            if error_code == 429:
                description = f"Too Many Requests: retry after {retry_after}"
            else:
                description = _DEFAULT_DESCRIPTIONS.get(error_code, f"Error {error_code}")
        self._scripted.append(
            _ScriptedFailure(
                method=method.lower(),
                error_code=error_code,
                description=description,
                retry_after=retry_after,
                chat_id=normalize_chat_id(chat_id),
                times=times,
            )
        )

    def _take_scripted(self, method: str, params: JSONDict) -> _ScriptedFailure | None:
        chat = normalize_chat_id(params.get("chat_id"))
        for failure in self._scripted:
            if failure.method != method.lower():
                continue
            if failure.chat_id is not None and failure.chat_id != chat:
                continue
            failure.times -= 1
            if failure.times <= 0:
                self._scripted.remove(failure)
            return failure
        return None

    # ------------------------------------------------------------------ inbound updates

    def _assign_update_id(self, update: Mapping[str, Any]) -> JSONDict:
        result = dict(update)
        if "update_id" not in result:
            result = {"update_id": self._next_update_id, **result}
        self._next_update_id = max(self._next_update_id, int(result["update_id"]) + 1)
        self._remember_chats(result)
        return result

    def push_update(self, update: Mapping[str, Any]) -> JSONDict:
        """Queue ``update`` for ``getUpdates`` (assigning a monotonic ``update_id`` if
        missing); wakes a pending long poll. Returns the queued dict."""
        queued = self._assign_update_id(update)
        self._pending.append(queued)
        self._notify()
        return queued

    @property
    def waiting_long_polls(self) -> int:
        """How many ``getUpdates`` requests are parked in a long poll right now (changes wake
        :meth:`wait_for`, so ``wait_for(lambda _: tg.waiting_long_polls == 1)`` works)."""
        return self._waiting_polls

    @property
    def pending_updates(self) -> list[JSONDict]:
        """Updates not yet confirmed by a ``getUpdates`` offset."""
        return list(self._pending)

    async def post_webhook(
        self, url: str, update: Mapping[str, Any], secret_token: str | None = None
    ) -> int:
        """POST ``update`` (``update_id`` assigned if missing) to ``url`` the way Telegram
        does: ``Content-Type: application/json`` exactly, plus
        ``X-Telegram-Bot-Api-Secret-Token`` when ``secret_token`` is given. Returns the HTTP
        status."""
        payload = self._assign_update_id(update)
        headers = {"Content-Type": "application/json"}
        if secret_token is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret_token
        timeout = aiohttp.ClientTimeout(total=10)
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.post(url, data=json.dumps(payload).encode(), headers=headers) as resp,
        ):
            await resp.read()
            return resp.status

    async def deliver_webhook(self, update: Mapping[str, Any]) -> int:
        """``post_webhook`` to the URL and secret the bot registered with ``setWebhook``."""
        if not self.webhook_url:
            raise RuntimeError("no webhook is set")
        return await self.post_webhook(self.webhook_url, update, self.webhook_secret_token)

    def _remember_chats(self, update: Mapping[str, Any]) -> None:
        for value in update.values():
            if not isinstance(value, dict):
                continue
            for holder in (value, value.get("message")):
                if isinstance(holder, dict) and isinstance(holder.get("chat"), dict):
                    chat = holder["chat"]
                    key = normalize_chat_id(chat.get("id"))
                    if key is not None:
                        self._chats[key] = dict(chat)

    # ------------------------------------------------------------------ HTTP plumbing

    async def _not_found(self, request: web.Request) -> web.Response:
        return web.json_response(_NOT_FOUND, status=404)

    async def _parse_params(self, request: web.Request) -> JSONDict | None:
        raw: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            body = await request.read()
            if body.strip():
                try:
                    parsed = json.loads(body)
                except ValueError:
                    return None
                if not isinstance(parsed, dict):
                    return None
                raw.update(parsed)
        elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    content = value.file.read()
                    raw[key] = {
                        "filename": value.filename,
                        "content_type": value.content_type,
                        "size": len(content),
                        "content": content,
                    }
                else:
                    raw[key] = value if isinstance(value, str) else value.decode()
        return {key: _decode_value(key, value) for key, value in raw.items()}

    async def _handle(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        given = request.match_info["method"]
        method = _CANONICAL.get(given.lower(), given)
        params = await self._parse_params(request)
        if self.rtt > 0:
            await asyncio.sleep(self.rtt)
        arrived = asyncio.get_running_loop().time()
        if params is None:
            status, body = _bad_request("can't parse JSON object")
            params = {}
        elif token in self._revoked:
            status, body = _error(401, "Unauthorized")
        else:
            status, body = await self._dispatch(method, params)
            if token in self._revoked:  # revoked while the request waited (a long poll)
                status, body = _error(401, "Unauthorized")
        if status == 429:
            self.rejected_429 += 1
        call = Call(method, params, token=token, status=status, response=body, at=arrived)
        self._calls.append(call)
        self._notify_observers()
        return web.json_response(body, status=status)

    async def _dispatch(self, method: str, params: JSONDict) -> _Reply:
        failure = self._take_scripted(method, params)
        if failure is not None:
            return _error(failure.error_code, failure.description, failure.retry_after)
        handler = self._handlers.get(method.lower())
        if handler is None:
            return 404, dict(_NOT_FOUND)
        chat = normalize_chat_id(params.get("chat_id"))
        if method in _CHAT_WRITES and chat is not None and chat in self._blocked:
            return _error(403, self._blocked[chat])
        if method in RATE_LIMITED_METHODS:
            retry_after = self._check_rate(chat)
            if retry_after is not None:
                return _error(429, f"Too Many Requests: retry after {retry_after}", retry_after)
        return await handler(params)

    def _check_rate(self, chat: int | str | None) -> int | None:
        now = asyncio.get_running_loop().time()
        windows: list[_Window] = []
        if self._global_window is not None:
            windows.append(self._global_window)
        if self.per_chat_rate and chat is not None:
            window = self._chat_windows.get(chat)
            if window is None:
                window = self._chat_windows[chat] = _Window(self.per_chat_rate)
            windows.append(window)
        waits = [w for w in (win.retry_after(now) for win in windows) if w is not None]
        if waits:
            return max(waits)
        for win in windows:
            win.add(now)
        return None

    # ------------------------------------------------------------------ methods

    async def _true(self, params: JSONDict) -> _Reply:
        return _ok(True)

    async def _get_me(self, params: JSONDict) -> _Reply:
        return _ok({**BOT_USER, **_GET_ME_EXTRA})

    async def _delete_webhook(self, params: JSONDict) -> _Reply:
        had = bool(self.webhook_url)
        self.webhook_url = ""
        self.webhook_secret_token = None
        self.webhook_params = {}
        if _as_bool(params.get("drop_pending_updates", False)):
            self._pending.clear()
        self._notify()
        return _ok(True, "Webhook was deleted" if had else "Webhook is already deleted")

    async def _set_webhook(self, params: JSONDict) -> _Reply:
        url = str(params.get("url") or "")
        secret = params.get("secret_token")
        if secret is not None and not _SECRET_TOKEN_RE.fullmatch(str(secret)):
            return _bad_request("secret token contains unallowed characters")
        if _as_bool(params.get("drop_pending_updates", False)):
            self._pending.clear()
        if not url:
            return await self._delete_webhook({})
        self.webhook_url = url
        self.webhook_secret_token = None if secret is None else str(secret)
        self.webhook_params = dict(params)
        self._notify()  # long polls now conflict
        return _ok(True, "Webhook was set")

    async def _get_webhook_info(self, params: JSONDict) -> _Reply:
        info: JSONDict = {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }
        if self.webhook_url:
            info["max_connections"] = _as_int(self.webhook_params.get("max_connections"), 40)
            allowed = self.webhook_params.get("allowed_updates")
            if allowed:
                info["allowed_updates"] = allowed
        return _ok(info)

    def _confirm(self, offset: int) -> None:
        if offset > 0:
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
        elif offset < 0:
            self._pending = self._pending[offset:]

    async def _get_updates(self, params: JSONDict) -> _Reply:
        if self.webhook_url:
            return _error(409, _WEBHOOK_CONFLICT)
        self._poll_generation += 1
        generation = self._poll_generation
        revocations = self._revocations
        self._notify()  # an older long poll is "terminated by other getUpdates request"
        offset = _as_int(params.get("offset"), 0)
        limit = min(max(_as_int(params.get("limit"), 100), 1), 100)
        timeout = max(_as_float(params.get("timeout"), 0.0), 0.0)
        self._confirm(offset)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if self._closing:
                return _ok([])
            if generation != self._poll_generation:
                return _error(409, _POLL_CONFLICT)
            if revocations != self._revocations:  # ends now; _handle answers 401 if it was ours
                return _ok([])
            if self.webhook_url:
                return _error(409, _WEBHOOK_CONFLICT)
            self._confirm(offset)
            if self._pending:
                return _ok([dict(u) for u in self._pending[:limit]])
            remaining = deadline - loop.time()
            if remaining <= 0:
                return _ok([])
            wakeup = self._poll_wakeup
            self._waiting_polls += 1
            self._notify_observers()
            try:
                async with asyncio.timeout(remaining):
                    await wakeup.wait()
            except TimeoutError:
                pass
            finally:
                self._waiting_polls -= 1
                self._notify_observers()

    def _chat_object(self, chat: int | str) -> JSONDict:
        known = self._chats.get(chat)
        if known is not None:
            return dict(known)
        if isinstance(chat, str):
            return {"id": -1_001_000_000_000, "type": "channel", "title": chat, "username": chat}
        if chat > 0:
            return {"id": chat, "type": "private", "first_name": f"User {chat}"}
        kind = "supergroup" if str(chat).startswith("-100") else "group"
        return {"id": chat, "type": kind, "title": f"Test {kind} {chat}"}

    def _validate_markup(self, markup: Any) -> str | None:
        if markup is None:
            return None
        if not isinstance(markup, dict):
            return "can't parse reply keyboard markup JSON object"
        for row in markup.get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data") if isinstance(button, dict) else None
                if data is not None and not (
                    1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA_BYTES
                ):
                    return "BUTTON_DATA_INVALID"
        return None

    def _validate_text(self, text: Any) -> str | None:
        if text is None or str(text).strip() == "":
            return "message text is empty"
        if _utf16_len(str(text)) > MAX_TEXT_LENGTH:
            return "message is too long"
        return None

    async def _send_message(self, params: JSONDict) -> _Reply:
        chat = normalize_chat_id(params.get("chat_id"))
        if chat is None or chat == "":
            return _bad_request("chat_id is empty")
        problem = self._validate_text(params.get("text")) or self._validate_markup(
            params.get("reply_markup")
        )
        if problem:
            return _bad_request(problem)
        message_id = self._next_message_id
        self._next_message_id += 1
        message: JSONDict = {
            "message_id": message_id,
            "from": dict(BOT_USER),
            "chat": self._chat_object(chat),
            "date": _now(),
            "text": str(params["text"]),
        }
        if params.get("entities"):
            message["entities"] = params["entities"]
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        self._messages[(chat, message_id)] = message
        return _ok(message)

    async def _send_document(self, params: JSONDict) -> _Reply:
        """A file uploaded as a multipart part (``attach://`` names and file_id/URL strings
        are not supported here: the bot only uploads)."""
        chat = normalize_chat_id(params.get("chat_id"))
        if chat is None or chat == "":
            return _bad_request("chat_id is empty")
        document = params.get("document")
        if not isinstance(document, dict):
            return _bad_request("there is no document in the request")
        if document["size"] > DOCUMENT_LIMIT:
            return 413, {"ok": False, "error_code": 413, "description": "Request Entity Too Large"}
        if document["size"] == 0:
            return _bad_request("file must be non-empty")
        message_id = self._next_message_id
        self._next_message_id += 1
        message: JSONDict = {
            "message_id": message_id,
            "from": dict(BOT_USER),
            "chat": self._chat_object(chat),
            "date": _now(),
            "document": {
                "file_id": f"doc-{message_id}",
                "file_unique_id": f"udoc-{message_id}",
                "file_name": document["filename"],
                "mime_type": document["content_type"],
                "file_size": document["size"],
            },
        }
        if params.get("caption"):
            message["caption"] = str(params["caption"])
        self._messages[(chat, message_id)] = message
        return _ok(message)

    def sent_documents(self, chat_id: int | str | None = None) -> list[tuple[str, bytes]]:
        """``(file name, content)`` of each document delivered (answered 200)."""
        wanted = normalize_chat_id(chat_id)
        return [
            (c.params["document"]["filename"], c.params["document"]["content"])
            for c in self.calls_to("sendDocument")
            if c.ok and (wanted is None or c.chat_id == wanted)
        ]

    def _find_message(self, params: JSONDict) -> tuple[JSONDict | None, _Reply | None]:
        """(message, None) for chat_id+message_id; (None, reply) for inline/bad input."""
        if params.get("inline_message_id"):
            return None, _ok(True)
        chat = normalize_chat_id(params.get("chat_id"))
        message_id = _as_int(params.get("message_id"), 0)
        if chat is None or message_id <= 0:
            return None, _bad_request("message to edit not found")
        known = self._messages.get((chat, message_id))
        if known is None:  # e.g. from a builder-made callback query: be lenient
            known = {
                "message_id": message_id,
                "from": dict(BOT_USER),
                "chat": self._chat_object(chat),
                "date": _now(),
                "text": "",
            }
            self._messages[(chat, message_id)] = known
        return known, None

    async def _edit_message_text(self, params: JSONDict) -> _Reply:
        problem = self._validate_text(params.get("text")) or self._validate_markup(
            params.get("reply_markup")
        )
        if problem:
            return _bad_request(problem)
        message, reply = self._find_message(params)
        if message is None:
            assert reply is not None
            return reply
        markup = params.get("reply_markup")
        new_markup = markup if isinstance(markup, dict) and "inline_keyboard" in markup else None
        if message.get("text") == params["text"] and message.get("reply_markup") == new_markup:
            return _bad_request(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        message["text"] = str(params["text"])
        message["edit_date"] = _now()
        if new_markup is None:
            message.pop("reply_markup", None)
        else:
            message["reply_markup"] = new_markup
        return _ok(dict(message))

    async def _edit_message_reply_markup(self, params: JSONDict) -> _Reply:
        problem = self._validate_markup(params.get("reply_markup"))
        if problem:
            return _bad_request(problem)
        message, reply = self._find_message(params)
        if message is None:
            assert reply is not None
            return reply
        markup = params.get("reply_markup")
        new_markup = markup if isinstance(markup, dict) and "inline_keyboard" in markup else None
        if message.get("reply_markup") == new_markup and message.get("text"):
            return _bad_request(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        if new_markup is None:
            message.pop("reply_markup", None)
        else:
            message["reply_markup"] = new_markup
        message["edit_date"] = _now()
        return _ok(dict(message))

    @staticmethod
    def _commands_key(params: JSONDict) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")

    async def _set_my_commands(self, params: JSONDict) -> _Reply:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            return _bad_request("can't parse commands JSON object")
        for command in commands:
            if not isinstance(command, dict) or not _BOT_COMMAND_RE.fullmatch(
                str(command.get("command", ""))
            ):
                return _bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                return _bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        self._commands[self._commands_key(params)] = [dict(c) for c in commands]
        return _ok(True)

    async def _get_my_commands(self, params: JSONDict) -> _Reply:
        return _ok([dict(c) for c in self._commands.get(self._commands_key(params), [])])

    async def _delete_my_commands(self, params: JSONDict) -> _Reply:
        self._commands.pop(self._commands_key(params), None)
        return _ok(True)

    def commands(self, scope: JSONDict | None = None, language_code: str = "") -> list[JSONDict]:
        """Commands currently registered via ``setMyCommands`` for ``scope``/language."""
        key = self._commands_key({"scope": scope, "language_code": language_code})
        return [dict(c) for c in self._commands.get(key, [])]

    async def _get_chat_member(self, params: JSONDict) -> _Reply:
        """A ChatMember object (https://core.telegram.org/bots/api#chatmember), with the
        fields each status requires."""
        chat = normalize_chat_id(params.get("chat_id"))
        try:
            user_id = int(str(params.get("user_id")))
        except ValueError:
            return _bad_request("invalid user_id specified")
        if chat is None or chat == "":
            return _bad_request("chat not found")
        status = self._member_status.get((chat, user_id), "member")
        member: JSONDict = {"status": status, "user": _user(user_id, first_name=f"User {user_id}")}
        if status == "creator":
            member["is_anonymous"] = False
        elif status == "administrator":
            member.update(
                dict.fromkeys(
                    (
                        "can_be_edited",
                        "is_anonymous",
                        "can_manage_chat",
                        "can_delete_messages",
                        "can_manage_video_chats",
                        "can_restrict_members",
                        "can_promote_members",
                        "can_change_info",
                        "can_invite_users",
                        "can_post_stories",
                        "can_edit_stories",
                        "can_delete_stories",
                    ),
                    False,
                )
            )
            member["can_manage_chat"] = True
        elif status == "restricted":
            member.update(
                dict.fromkeys(
                    (
                        "is_member",
                        "can_send_messages",
                        "can_send_audios",
                        "can_send_documents",
                        "can_send_photos",
                        "can_send_videos",
                        "can_send_video_notes",
                        "can_send_voice_notes",
                        "can_send_polls",
                        "can_send_other_messages",
                        "can_add_web_page_previews",
                        "can_change_info",
                        "can_invite_users",
                        "can_pin_messages",
                        "can_manage_topics",
                        "can_edit_tag",
                        "can_react_to_messages",
                    ),
                    True,
                )
            )
            member["until_date"] = 0
        elif status == "kicked":
            member["until_date"] = 0
        return 200, {"ok": True, "result": member}

    async def _get_chat(self, params: JSONDict) -> _Reply:
        chat = normalize_chat_id(params.get("chat_id"))
        if chat is None or chat == "":
            return _bad_request("chat not found")
        info = self._chat_object(chat)
        info.update(
            {
                "accent_color_id": 0,
                "max_reaction_count": 11,
                "accepted_gift_types": {
                    "unlimited_gifts": False,
                    "limited_gifts": False,
                    "unique_gifts": False,
                    "premium_subscription": False,
                    "gifts_from_channels": False,
                },
            }
        )
        return _ok(info)
