"""B4: a Slack slash command through bolt, acked — alone and during a fan-out.

What runs (docs: shared/reference/PERFORMANCE.md, B4):

- The real ``SlackMessenger`` in HTTP mode: bolt's aiohttp app on 127.0.0.1, every request's
  signature checked, the real Hub on SQLite (WAL). Each command is
  ``/mentor profile name <new name>`` from one of ``USERS`` registered people: the core
  writes one row (the person) and the answer goes to the command's ``response_url``.
- FakeSlack (tests/fakes/slack_api.py) in a separate process, with a 150 ms round trip:
  Slack is remote, so its work must not load our event loop.
- Commands are sent one at a time at ``RATE`` per second, signed as Slack signs them.
- "Server side" is measured by the messenger's own aiohttp middleware around bolt's handler
  (request body read, signature check, parse, listener, ack); the loopback round trip seen by
  the client and the core call (``hub.handle``, the row written, after the ack) are reported
  beside it.
- The fan-out is B1-like: ``FANOUT_WORKERS`` tasks send nudges through the Slack sender
  (``SlackMessenger.send``: render, pacing, ``conversations.open`` once per person,
  ``chat.postMessage``) to distinct people, in the same process and event loop: at B1's
  30 msg/s (3.4× what Slack allows one workspace), and flat out as a stress test.
- Beside ours, the naive design in the same run: the same listeners under bolt's default
  ack path (``process_before_response=False``: the listener runs in a task and bolt polls
  for its ``ack()`` every 10 ms).

Run: ``python -m benchmarks.b4_slack_ack`` (``--quick`` for a short run). Targets: p99 of the
server-side ack ≤ 20 ms alone, ≤ 50 ms during the fan-out.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import math
import statistics
import sys
import tempfile
import time
import unittest.mock
import urllib.parse
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
from slack_bolt.async_app import AsyncApp

from adapters.slack import adapter as slack_adapter
from adapters.slack import pacing_rules
from adapters.slack.adapter import SlackMessenger, SlackSettings
from bots.bootstrap import Mentorhub, build
from bots.config import Config, DatabaseConfig
from core.delivery import DeliveryError
from core.identity import Platform, PlatformAccount, UserRef
from core.inbound import Command
from core.messages import Choice, Outcome, Reply
from storage import migrate
from storage.db import create_engine

ROOT = Path(__file__).resolve().parent.parent
SECRET = "b4-signing-secret"
TEAM = "T0001"
USERS = 50
RATE = 20.0  # commands per second, one at a time (far above a mentoring hub's peak)
FAKE_RTT = 0.150  # seconds: Slack's answers take this long (as in B1)
FANOUT_WORKERS = 32  # concurrent senders: with the 150 ms RTT, up to ~200 msg/s
B1_RATE = 30.0  # B1's fan-out: the Telegram stand-in's ceiling, 3.4× Slack's per workspace
# (phase, fan-out rate: None for none, inf for flat out, naive?): alone; during a B1 fan-out
# (the target); during a flat-out one (stress); and the naive design beside ours: bolt's
# default ack path, which runs the listener in a task and polls for its ack() every 10 ms.
PHASES: tuple[tuple[str, float | None, bool], ...] = (
    ("alone", None, False),
    ("b1_fanout", B1_RATE, False),
    ("flat_out_fanout", math.inf, False),
    ("naive_bolt_default_alone", None, True),
    ("naive_bolt_default_b1_fanout", B1_RATE, True),
)
TARGET_ALONE_MS = 20.0
TARGET_FANOUT_MS = 50.0

_FAKE_MAIN = """
import asyncio, sys
from tests.fakes.slack_api import FakeSlack

async def main() -> None:
    async with FakeSlack(rtt=float(sys.argv[1])) as fake:
        print(fake.port, flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)

asyncio.run(main())
"""


async def run(quick: bool) -> dict[str, Any]:
    """Three phases; returns the numbers (milliseconds) and whether the targets are met."""
    commands = 100 if quick else 500
    phases: dict[str, Any] = {}
    # Core failures are counted and reported below; their tracebacks would drown the output.
    logging.getLogger("core.hub").setLevel(logging.CRITICAL)
    with tempfile.TemporaryDirectory(prefix="mentorhub-b4-") as tmp:
        app = await _app(Path(tmp) / "b4.db")
        try:
            async with (
                _fake_slack() as api_url,
                _messenger(app, api_url) as ours,
                _messenger(app, api_url, naive=True) as naive,
            ):
                await _register(app)
                core = _CoreCalls(app)
                for index, (phase, rate, is_naive) in enumerate(PHASES):
                    messenger = naive if is_naive else ours
                    fanout = _FanOut(ours, rate) if rate is not None else None
                    if fanout is not None:
                        fanout.start()
                    try:
                        result = await _measure(messenger, commands, core, offset=index * commands)
                    finally:
                        result.pop("_seconds")
                        if fanout is not None:
                            sent, fanout_seconds = await fanout.stop()
                            result["fanout_sent"] = sent
                            result["fanout_rate_per_s"] = round(sent / fanout_seconds, 1)
                    phases[phase] = result
                assert await ours.idle(10.0) and await naive.idle(10.0)
            assert await _renamed(app) == USERS
        finally:
            await app.close()
    alone, during = phases["alone"]["server_ms"]["p99"], phases["b1_fanout"]["server_ms"]["p99"]
    return {
        "benchmark": "B4 Slack command ack",
        "commands_per_phase": commands,
        "command_rate_per_s": RATE,
        **phases,
        "naive_over_ours": {
            f"{phase}_{key}": round(
                phases[f"naive_bolt_default_{phase}"]["server_ms"][key]
                / max(phases[phase]["server_ms"][key], 0.001),
                1,
            )
            for phase in ("alone", "b1_fanout")
            for key in ("p50", "p99")
        },
        "target_p99_alone_ms": TARGET_ALONE_MS,
        "target_p99_fanout_ms": TARGET_FANOUT_MS,
        "ok": alone <= TARGET_ALONE_MS and during <= TARGET_FANOUT_MS,
    }


# --- the pieces ------------------------------------------------------------------------------


async def _app(path: Path) -> Mentorhub:
    url = f"sqlite:///{path}"
    engine = create_engine(url)
    try:
        await migrate.upgrade(engine)
    finally:
        await engine.dispose()
    return build(Config(database=DatabaseConfig(url=url)), messengers=())


@contextlib.asynccontextmanager
async def _fake_slack() -> AsyncIterator[str]:
    """FakeSlack in its own process; yields its Web API base URL."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        _FAKE_MAIN,
        str(FAKE_RTT),
        cwd=ROOT,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None and process.stdin is not None
    try:
        line = await asyncio.wait_for(process.stdout.readline(), 30)
        port = int(line)
        yield f"http://127.0.0.1:{port}/api/"
    finally:
        process.stdin.close()
        try:
            await asyncio.wait_for(process.wait(), 10)
        except TimeoutError:
            process.kill()
            await process.wait()


class _BoltDefaultApp(AsyncApp):
    """bolt's default: the listener runs in a task, bolt polls for its ack every 10 ms."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs["process_before_response"] = False
        super().__init__(**kwargs)


@contextlib.asynccontextmanager
async def _messenger(
    app: Mentorhub, api_url: str, *, naive: bool = False
) -> AsyncIterator[SlackMessenger]:
    messenger = SlackMessenger(
        app.hub,
        settings=SlackSettings(port=0, base_url=api_url),
        bot_token="xoxb-b4",
        signing_secret=SECRET,
        # the fan-out: far above Slack's workspace cap
        pacing=pacing_rules.pacing(workspace_per_minute=1_000_000),
    )
    if naive:  # the listeners are ours either way; only bolt's ack path differs
        with unittest.mock.patch.object(slack_adapter, "AsyncApp", _BoltDefaultApp):
            await messenger.start()
    else:
        await messenger.start()
    messenger.directory.read_profiles = False  # the fake knows none of these people
    try:
        yield messenger
    finally:
        await messenger.stop()


async def _register(app: Mentorhub) -> None:
    for n in range(USERS):
        start = Command(_ref(n), "start", f'"Person {n}" Europe/Berlin en')
        outcome = await app.hub.handle(start)
        assert outcome.replies and not outcome.replies[0].is_error, outcome.replies


def _ref(n: int) -> UserRef:
    return UserRef(Platform("slack"), TEAM, f"UB{n:04d}", display_name=f"Person {n}")


class _CoreCalls:
    """Times ``hub.handle`` (the work after the ack) and counts the ones that wrote."""

    def __init__(self, app: Mentorhub) -> None:
        self.ms: list[float] = []
        self.written = self.failed = 0
        self._command: Callable[..., Awaitable[Outcome]] = app.hub.handle
        app.hub.handle = self._timed  # type: ignore[method-assign,assignment]

    def clear(self) -> None:
        self.ms.clear()
        self.written = self.failed = 0

    async def _timed(self, *args: Any) -> Outcome:
        started = time.perf_counter()
        outcome = await self._command(*args)
        self.ms.append((time.perf_counter() - started) * 1000)
        written = bool(outcome.replies) and outcome.replies[0].title == "Profile updated"
        self.written += written
        self.failed += not written
        return outcome


async def _measure(
    messenger: SlackMessenger, commands: int, core: _CoreCalls, *, offset: int = 0
) -> dict[str, Any]:
    server: list[float] = []
    client: list[float] = []
    core.clear()
    failed_answers = 0
    reply_to = messenger.settings.base_url.removesuffix("api/") + "response_url/b4"
    messenger.on_answered = lambda seconds: server.append(seconds * 1000)
    interval = 1.0 / RATE
    loop = asyncio.get_running_loop()
    async with aiohttp.ClientSession() as session:
        started = next_at = loop.time()
        for i in range(commands):
            n = (offset + i) % USERS
            body = _slash_command(f"UB{n:04d}", f"profile name Renamed {offset + i}", reply_to)
            sent = time.perf_counter()
            async with session.post(messenger.url, data=body, headers=_signed(body)) as answer:
                await answer.read()
                failed_answers += answer.status != 200
            client.append((time.perf_counter() - sent) * 1000)
            next_at += interval
            await asyncio.sleep(max(0.0, next_at - loop.time()))
        seconds = loop.time() - started
    assert await messenger.idle(10.0)
    messenger.on_answered = None
    return {
        "server_ms": _summary(server),
        "client_roundtrip_ms": _summary(client),
        "core_call_ms": _summary(core.ms),
        "not_acked": failed_answers,
        "rows_written": core.written,
        "core_failures": core.failed,
        "_seconds": seconds,
    }


class _FanOut:
    """B1-like: nudges through the Slack sender to many people. ``rate`` paces the whole
    fan-out (B1's 30 msg/s); ``inf`` sends as fast as ``FANOUT_WORKERS`` senders can."""

    def __init__(self, messenger: SlackMessenger, rate: float) -> None:
        self.messenger = messenger
        self.rate = rate
        self.sent = 0
        self.failed = 0
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._started = self._next_slot = 0.0
        self._reply = Reply(
            "Your weekly check-in is open. How did it go?",
            title="Check-in 3 for pair #12",
            choices=(Choice("Check in now", "c:checkin:pair=12"),),
        )

    def start(self) -> None:
        self._started = self._next_slot = asyncio.get_running_loop().time()
        self._tasks = [asyncio.create_task(self._worker(w)) for w in range(FANOUT_WORKERS)]

    async def stop(self) -> tuple[int, float]:
        """Stop; returns how many were sent and over how many seconds."""
        self._stop.set()
        await asyncio.gather(*self._tasks)
        assert self.failed == 0, f"{self.failed} fan-out sends failed"
        return self.sent, asyncio.get_running_loop().time() - self._started

    async def _worker(self, worker: int) -> None:
        loop = asyncio.get_running_loop()
        n = 0
        while not self._stop.is_set():
            if self.rate != math.inf:  # book the next slot of the whole fan-out
                slot, self._next_slot = self._next_slot, self._next_slot + 1 / self.rate
                await asyncio.sleep(max(0.0, slot - loop.time()))
            # A new person each time (a channel's 1/s pacing never holds a worker back).
            person = worker * 1_000_000 + n
            n += 1
            account = PlatformAccount(Platform("slack"), TEAM, f"UF{person}", person_id=person)
            try:
                await self.messenger.send(account, self._reply)
            except DeliveryError:
                self.failed += 1
                return
            self.sent += 1


def _slash_command(user_id: str, text: str, response_url: str) -> bytes:
    return urllib.parse.urlencode(
        {
            "token": "verification_token",
            "team_id": TEAM,
            "team_domain": "b4",
            "channel_id": "C0B4",
            "channel_name": "general",
            "user_id": user_id,
            "user_name": user_id.lower(),
            "command": "/mentor",
            "text": text,
            "api_app_id": "A0001",
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": f"{time.time():.6f}.b4",
        }
    ).encode()


def _signed(body: bytes) -> dict[str, str]:
    timestamp = str(int(time.time()))
    base = b"v0:" + timestamp.encode() + b":" + body
    signature = "v0=" + hmac.new(SECRET.encode(), base, hashlib.sha256).hexdigest()
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature,
    }


def _summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    if not ordered:
        return {"n": 0}
    p99 = ordered[math.ceil(0.99 * len(ordered)) - 1]  # nearest rank
    return {
        "n": len(ordered),
        "p50": round(statistics.median(ordered), 2),
        "p99": round(p99, 2),
        "max": round(ordered[-1], 2),
    }


async def _renamed(app: Mentorhub) -> int:
    """How many people carry a name from a command (all of them, if rows were written)."""
    renamed = 0
    async with app.uow() as uow:
        for n in range(USERS):
            account = await uow.accounts.find(Platform("slack"), TEAM, f"UB{n:04d}")
            assert account is not None
            person = await uow.people.get(account.person_id)
            assert person is not None
            renamed += person.name.startswith("Renamed ")
    return renamed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short run")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.quick)), indent=2))


if __name__ == "__main__":
    main()
