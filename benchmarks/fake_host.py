"""Run a platform stand-in in its own process, as the real platform would be.

In the benchmark's own event loop the stand-in would share every stall of the code under
test, and stalls bunch requests together on the server side — 429s caused by the
benchmark, not by the sender. ``python -m benchmarks.fake_host KIND OPTIONS_JSON`` starts
FakeTelegram, FakeSlack or the Discord stub, prints its address as one JSON line, then
answers commands on stdin (one JSON object per line) with one JSON line each:

    {"op": "stats"}                      counters and what was delivered (Telegram, with
                                         "sends": true: also each sendMessage's arrival
                                         time and answer; a short run's, it is one line)
    {"op": "clear"}                      forget recorded calls
    {"op": "fail_next", ...}             FakeSlack scripting (a 429 storm)
    {"op": "preopen", "users": [...]}    Discord stub: DM channels opened before the run
    {"op": "quit"}
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any


def make_fake(kind: str, options: dict[str, Any]) -> tuple[Any, dict[str, str]]:
    from benchmarks.discord_stub import DiscordStub
    from tests.fakes.slack_api import FakeSlack
    from tests.fakes.telegram_api import FakeTelegram

    options = dict(options)
    workspaces = options.pop("workspaces", {})
    if kind == "telegram":
        return FakeTelegram(**options), workspaces
    if kind == "slack":
        return FakeSlack(**options), workspaces
    if kind == "discord":
        return DiscordStub(**options), workspaces
    raise SystemExit(f"unknown stand-in {kind}")


def address(kind: str, fake: Any) -> str:
    return str(fake.api_url if kind == "slack" else fake.base_url)


def answer(kind: str, fake: Any, op: str, command: dict[str, Any]) -> dict[str, Any]:
    if op == "clear":
        clear = getattr(fake, "clear_calls", None)
        if clear is not None:
            clear()
        elif hasattr(fake, "calls"):
            fake.calls.clear()
        return {"ok": True}
    if op == "preopen":  # Discord: DMs opened earlier (their channel ids are known)
        return {"channels": fake.preopen(command["users"])}
    if op == "fail_next":
        fake.fail_next(**command)
        return {"ok": True}
    if op == "stats":
        return stats(kind, fake, sends=bool(command.get("sends")))
    return {"error": f"unknown op {op}"}


async def serve(kind: str, options: dict[str, Any]) -> None:
    fake, workspaces = make_fake(kind, options)
    async with fake:
        for token, team in workspaces.items():
            fake.add_workspace(token, team)
        print(json.dumps({"url": address(kind, fake)}), flush=True)
        loop = asyncio.get_running_loop()
        while line := await loop.run_in_executor(None, sys.stdin.readline):
            command = json.loads(line)
            op = command.pop("op")
            if op == "quit":
                break
            print(json.dumps(answer(kind, fake, op, command)), flush=True)


def stats(kind: str, fake: Any, *, sends: bool = False) -> dict[str, Any]:
    if kind == "telegram":
        found = {
            "rejected_429": fake.rejected_429,
            "delivered": [str(m["chat_id"]) for m in fake.sent_messages()],
        }
        if sends:  # every sendMessage: when it arrived, where, how it was answered
            found["sends"] = [
                [call.at, call.chat_id, call.status, call.params.get("text", "")]
                for call in fake.calls_to("sendMessage")
            ]
        return found
    if kind == "slack":
        posted = [c for c in fake.calls if c.method == "chat.postMessage" and c.ok]
        return {
            "rejected_429": fake.rejected_429,
            "delivered": [f"{fake.team_for(c.token)}:{c.params.get('channel')}" for c in posted],
        }
    return {
        "rejected_429": fake.rejected_429,
        "delivered": [channel for channel, _ in fake.messages],
        "delivered_users": [fake.users_of.get(channel, "") for channel, _ in fake.messages],
        "dms_opened": fake.dms_opened,
    }


class LocalFake:
    """The same interface as RemoteFake, with the stand-in in this process and loop (how
    PERFORMANCE.md's reference numbers were taken)."""

    def __init__(self, kind: str, **options: Any) -> None:
        self.kind = kind
        self.fake, self._workspaces = make_fake(kind, options)
        self.url = ""

    async def __aenter__(self) -> LocalFake:
        await self.fake.__aenter__()
        for token, team in self._workspaces.items():
            self.fake.add_workspace(token, team)
        self.url = address(self.kind, self.fake)
        return self

    async def command(self, op: str, **arguments: Any) -> dict[str, Any]:
        return answer(self.kind, self.fake, op, arguments)

    async def __aexit__(self, *exc: object) -> None:
        await self.fake.__aexit__(None, None, None)


def stand_in(kind: str, *, separate: bool, **options: Any) -> RemoteFake | LocalFake:
    return RemoteFake(kind, **options) if separate else LocalFake(kind, **options)


class RemoteFake:
    """The parent's handle on a stand-in running in a child process."""

    def __init__(self, kind: str, **options: Any) -> None:
        self.kind = kind
        self.options = options
        self.url = ""
        self._process: asyncio.subprocess.Process | None = None

    async def __aenter__(self) -> RemoteFake:
        self._process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "benchmarks.fake_host",
            self.kind,
            json.dumps(self.options),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        self.url = (await self._read())["url"]
        return self

    async def _read(self) -> dict[str, Any]:
        assert self._process is not None and self._process.stdout is not None
        line = await asyncio.wait_for(self._process.stdout.readline(), timeout=60)
        if not line:
            raise RuntimeError(f"the {self.kind} stand-in exited")
        return dict(json.loads(line))

    async def command(self, op: str, **arguments: Any) -> dict[str, Any]:
        assert self._process is not None and self._process.stdin is not None
        self._process.stdin.write((json.dumps({"op": op, **arguments}) + "\n").encode())
        await self._process.stdin.drain()
        return await self._read()

    async def __aexit__(self, *exc: object) -> None:
        if self._process is None:
            return
        try:
            assert self._process.stdin is not None
            self._process.stdin.write(b'{"op": "quit"}\n')
            await self._process.stdin.drain()
            await asyncio.wait_for(self._process.wait(), timeout=10)
        except (TimeoutError, ConnectionError):
            self._process.kill()
            await self._process.wait()


if __name__ == "__main__":
    asyncio.run(serve(sys.argv[1], json.loads(sys.argv[2])))
