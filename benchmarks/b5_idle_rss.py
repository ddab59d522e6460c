"""B5: the resident memory of an idle `mentorhub run` with all three messengers.

The platform stand-ins (tests/fakes) run in this process; mentorhub runs in a child
process started like `mentorhub run`, so only its own memory is measured. The child is
``python -m benchmarks.b5_idle_rss --child``: it points discord.py (which has no base-URL
setting) at the Discord stand-in, then runs the real CLI.

Naive, same run: one bot process per messenger (how separate Slack, Telegram and Discord
bots are usually deployed), the sum of their RSS.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from benchmarks.common import Scale, Section

if TYPE_CHECKING:
    from tests.fakes.discord_api import FakeDiscord
    from tests.fakes.slack_api import FakeSlack
    from tests.fakes.telegram_api import FakeTelegram

TARGET_MIB = 150.0
GUILD = 111_111_111_111_111_111
TELEGRAM_TOKEN = "123456:bench-token"
SLACK_TOKEN = "xoxb-bench"
ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on just now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def config_text(database: Path, messengers: set[str], urls: dict[str, str]) -> str:
    """A config as a deployment would write it, pointed at the stand-ins."""
    sections = [
        f'[database]\nurl = "sqlite:///{database}"\n',
        '[console]\nenabled = "never"\n',
    ]
    if "telegram" in messengers:
        sections.append(f'[telegram]\nenabled = true\nbase_url = "{urls["telegram"]}"\n')
    if "slack" in messengers:
        port = free_port()  # the config wants a real port (1-65535), not 0
        sections.append(f'[slack]\nenabled = true\nport = {port}\nbase_url = "{urls["slack"]}"\n')
    if "discord" in messengers:
        sections.append(f"[discord]\nenabled = true\nguild_ids = [{GUILD}]\n")
    return "\n".join(sections)


def rss_of(pid: int) -> tuple[float, float]:
    """(RSS, peak RSS) of a process in MiB, from /proc."""
    values: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024
    return values["VmRSS"], values["VmHWM"]


async def until(condition: Callable[[], bool], what: str, timeout: float = 60.0) -> None:  # noqa: ASYNC109
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise TimeoutError(f"B5: {what} did not happen within {timeout:.0f} s")
        await asyncio.sleep(0.1)


@dataclass(frozen=True)
class Fakes:
    telegram: FakeTelegram
    slack: FakeSlack
    discord: FakeDiscord


async def measure(
    messengers: set[str], fakes: Fakes, idle: float, workdir: Path
) -> tuple[float, float]:
    """Start `mentorhub run` with ``messengers``, wait until each is connected, let it
    idle for ``idle`` seconds (several poll and delivery passes), then read its RSS."""
    telegram, slack, discord = fakes.telegram, fakes.slack, fakes.discord
    name = "-".join(sorted(messengers))
    config = workdir / f"{name}.toml"
    urls = {"telegram": telegram.base_url, "slack": slack.api_url}
    config.write_text(config_text(workdir / f"{name}.db", messengers, urls))
    env = {
        **os.environ,
        "MENTORHUB_CONFIG": str(config),
        "MENTORHUB_TELEGRAM_TOKEN": TELEGRAM_TOKEN,
        "MENTORHUB_SLACK_BOT_TOKEN": SLACK_TOKEN,
        "MENTORHUB_SLACK_SIGNING_SECRET": "bench-secret",
        "MENTORHUB_DISCORD_TOKEN": discord.token,
        "B5_DISCORD": json.dumps([discord.api_base, discord.gateway_url]),
    }
    polls, sessions = telegram.waiting_long_polls, discord.connected_sessions
    auth_tests = len(slack.calls_to("auth.test"))
    log = workdir / f"{name}.log"
    with log.open("wb") as output:
        child = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "benchmarks.b5_idle_rss", "--child", cwd=ROOT, env=env,
            stdin=asyncio.subprocess.DEVNULL, stdout=output, stderr=output,
        )  # fmt: skip
    try:
        connected: dict[str, Callable[[], bool]] = {
            "telegram": lambda: telegram.waiting_long_polls > polls,
            "slack": lambda: len(slack.calls_to("auth.test")) > auth_tests,
            "discord": lambda: discord.connected_sessions > sessions,
        }
        for messenger in sorted(messengers):
            await until(connected[messenger], f"{messenger} connecting")
        await asyncio.sleep(idle)
        if child.returncode is not None:
            raise RuntimeError(f"B5: mentorhub exited with {child.returncode}")
        return rss_of(child.pid)
    except BaseException:
        print(log.read_text(errors="replace")[-4000:], file=sys.stderr)  # the child's story
        raise
    finally:
        if child.returncode is None:
            child.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(child.wait(), 20)
            except TimeoutError:
                child.kill()
                await child.wait()


async def run(scale: Scale) -> list[Section]:
    from tests.fakes.discord_api import FakeDiscord
    from tests.fakes.slack_api import FakeSlack
    from tests.fakes.telegram_api import FakeTelegram

    idle = scale.pick(5.0, 20.0)
    section = Section("B5", "idle `mentorhub run` with all three messengers")
    async with FakeTelegram() as telegram, FakeSlack() as slack, FakeDiscord(guilds=[GUILD]) as dc:
        slack.add_workspace(SLACK_TOKEN, "T0001")
        fakes = Fakes(telegram, slack, dc)
        with tempfile.TemporaryDirectory(prefix="mentorhub-b5-") as tmp:
            workdir = Path(tmp)
            ours, ours_peak = await measure({"telegram", "slack", "discord"}, fakes, idle, workdir)
            separate = {
                messenger: (await measure({messenger}, fakes, idle, workdir))[0]
                for messenger in ("telegram", "slack", "discord")
            }
    naive = sum(separate.values())
    section.row("RSS after idling", f"{ours:.1f} MiB", f"{naive:.1f} MiB (3 processes)")
    section.row("peak RSS", f"{ours_peak:.1f} MiB")
    for messenger, rss in separate.items():
        section.row(f"… {messenger} alone", "", f"{rss:.1f} MiB")
    section.check("idle RSS", ours <= TARGET_MIB, f"{ours:.1f} MiB ≤ {TARGET_MIB:.0f} MiB")
    section.note(
        f"each process idled {idle:.0f} s after connecting (several due-poll and outbox passes)"
    )
    section.note("naive = one bot process per messenger, as separate bots are deployed")
    return [section]


def child() -> int:
    """`mentorhub run`, with discord.py pointed at the stand-in (benchmark only)."""
    import discord.gateway
    import discord.http
    import yarl

    api_base, gateway = json.loads(os.environ["B5_DISCORD"])
    discord.http.Route.BASE = api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway)
    from bots.cli import main

    return main(["run"])


if __name__ == "__main__":
    if sys.argv[1:] == ["--child"]:
        raise SystemExit(child())
    section = asyncio.run(run(Scale(quick="--quick" in sys.argv)))[0]
    print(section.render())
