"""The enabled messengers are built from their config sections."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Literal

import pytest

from adapters.console import ConsoleConfig
from adapters.discord import DiscordConfig
from adapters.discord.adapter import DiscordMessenger
from bots.bootstrap import Mentorhub, build
from bots.config import Config, ConfigError, DatabaseConfig, load_config
from bots.messengers import PACKAGES, messenger_kinds
from bots.runner import run
from core.clock import ManualClock
from core.identity import Platform
from core.messengers import Terminal
from tests.fakes.discord_api import FakeDiscord, keep_discord_endpoints

GUILD = 111111111111111111


def test_discord_is_built_from_its_config_section(
    tmp_path: Path, app: Mentorhub, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "mentorhub.toml"
    path.write_text(
        "[discord]\nenabled = true\nguild_ids = [111, 222]\nsync_global = true\n"
        'new_dms_per_hour = 30\napi_base = "http://proxy.internal:8080/api/v10"\n'
        'gateway_url = "ws://proxy.internal:8080/gateway"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("MENTORHUB_DISCORD_TOKEN", "t0ken")
    config = dataclasses.replace(load_config(path), database=app.config.database)
    (messenger,) = build(config, clock=app.clock, engine=app.engine).messengers
    assert isinstance(messenger, DiscordMessenger)
    assert messenger.platform is Platform("discord")
    assert messenger.settings.guild_ids == (111, 222)
    assert messenger.settings.sync_global is True
    assert messenger.settings.new_dms_per_hour == 30
    assert messenger.settings.api_base == "http://proxy.internal:8080/api/v10"
    assert messenger.settings.gateway_url == "ws://proxy.internal:8080/gateway"
    assert "t0ken" not in repr(vars(messenger))


def test_new_dms_per_hour_must_be_positive(tmp_path: Path) -> None:
    path = tmp_path / "mentorhub.toml"
    path.write_text("[discord]\nnew_dms_per_hour = 0\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="new_dms_per_hour must be at least 1"):
        load_config(path, environ={})


def test_discord_endpoints_must_be_urls_of_their_kind(tmp_path: Path) -> None:
    path = tmp_path / "mentorhub.toml"
    path.write_text(
        '[discord]\napi_base = "https://discord.com/api/v10/"\n'
        'gateway_url = "https://gateway.discord.gg"\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as raised:
        load_config(path, environ={})
    assert [p.split(" must ")[0] for p in raised.value.problems] == [
        "[discord] api_base",
        "[discord] gateway_url",
    ]


def with_discord(
    dc: FakeDiscord,
    sqlite_url: str,
    monkeypatch: pytest.MonkeyPatch,
    *,
    console: Literal["always", "never"],
) -> Config:
    """A configuration with Discord (on the fake) and the console ``always`` or ``never``."""
    keep_discord_endpoints(monkeypatch)
    monkeypatch.setenv("MENTORHUB_DISCORD_TOKEN", dc.token)
    discord = DiscordConfig(
        enabled=True, guild_ids=(GUILD,), api_base=dc.api_base, gateway_url=dc.gateway_url
    )
    return Config(
        database=DatabaseConfig(url=sqlite_url),
        sections={"console": ConsoleConfig(enabled=console), "discord": discord},
    )


async def test_run_starts_and_stops_the_discord_adapter(
    sqlite_url: str, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with FakeDiscord(guilds=[GUILD]) as dc:
        config = with_discord(
            dc, sqlite_url, monkeypatch, console="always"
        )  # so the run ends with its input
        out = io.StringIO()
        app = build(config, clock=clock, terminal=Terminal(lines("privacy"), out))
        await asyncio.wait_for(run(app), 10)
        assert "mentorhub stores your name" in out.getvalue()
        assert dc.registered_commands(GUILD)[0]["name"] == "mentor"
        assert dc.identifies == 1
        await dc.wait_for(lambda: dc.connected_sessions == 0)  # closed on the way out


async def test_run_exits_non_zero_when_its_only_messenger_fails_for_good(
    sqlite_url: str, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with FakeDiscord(guilds=[GUILD]) as dc:
        config = with_discord(dc, sqlite_url, monkeypatch, console="never")
        running = asyncio.ensure_future(run(build(config, clock=clock)))
        await dc.wait_for(lambda: dc.registered_commands(GUILD))
        await dc.end_sessions(4014)
        assert await asyncio.wait_for(running, 10) == 1


async def test_run_goes_on_with_the_console_when_discord_fails_for_good(
    sqlite_url: str, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with FakeDiscord(guilds=[GUILD]) as dc:
        config = with_discord(dc, sqlite_url, monkeypatch, console="always")
        typed: asyncio.Queue[str] = asyncio.Queue()
        out = io.StringIO()
        app = build(config, clock=clock, terminal=Terminal(queued_lines(typed), out))
        running = asyncio.ensure_future(run(app))
        await dc.wait_for(lambda: dc.registered_commands(GUILD))
        await dc.end_sessions(4004)
        (discord_messenger,) = [m for m in app.messengers if isinstance(m, DiscordMessenger)]
        await asyncio.wait_for(discord_messenger.failed(), 5)
        await typed.put("privacy")
        await typed.put("")  # the end of the input
        assert await asyncio.wait_for(running, 10) == 0
        assert "mentorhub stores your name" in out.getvalue()


async def queued_lines(typed: asyncio.Queue[str]) -> AsyncIterator[str]:
    while line := await typed.get():
        yield line


async def lines(*items: str) -> AsyncIterator[str]:
    for item in items:
        yield item


def test_every_messenger_package_is_registered_and_declares_itself() -> None:
    """Adding a messenger is one package plus one line in bots/messengers.py."""
    root = Path(__file__).resolve().parents[2] / "adapters"
    packages = sorted(
        f"adapters.{path.name}" for path in root.iterdir() if (path / "__init__.py").exists()
    )
    # the dashboard is a driving adapter of its own (HTTP for coordinators), not a messenger
    assert sorted(PACKAGES) == [p for p in packages if p != "adapters.web"]
    kinds = messenger_kinds()
    assert len({kind.platform for kind in kinds}) == len({kind.section for kind in kinds})
    for kind in kinds:
        assert kind.platform == kind.section  # one name for the key and the config table
        assert dataclasses.is_dataclass(kind.settings)
        settings = kind.settings()  # every setting has its documented default
        assert kind.pacing(settings).platform is kind.platform
        assert kind.enabled(settings, False) is (kind.section == "console")  # off by default
        assert list(kind.problems(settings)) == []


def test_config_sections_come_from_the_declarations(tmp_path: Path) -> None:
    path = tmp_path / "mentorhub.toml"
    path.write_text('[console]\nenabled = "never"\n[telegarm]\nenabled = true\n')
    with pytest.raises(ConfigError, match=re.escape("Unknown key 'telegarm'. Did you mean")):
        load_config(path, environ={})
