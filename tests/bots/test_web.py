"""[web]: the dashboard's section of the configuration, and `mentorhub run` serving it."""

from __future__ import annotations

import contextlib
import dataclasses
import io
from pathlib import Path

import aiohttp
import pytest

from adapters.web.server import WebPortUnavailable
from bots.bootstrap import Mentorhub
from bots.cli import main
from bots.config import ConfigError, WebConfig, load_config
from bots.runner import start_dashboard


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mentorhub.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_web_is_off_by_default_and_its_address_is_checked(tmp_path: Path) -> None:
    assert not load_config(None).web.enabled
    assert load_config(None).core_settings().dashboard_url == ""
    with pytest.raises(ConfigError) as error:
        load_config(write(tmp_path, '[web]\nenabled = true\npublic_url = "dash.example.org"\n'))
    assert "[web] is enabled but public_url is not an http(s) address" in str(error.value)
    with pytest.raises(ConfigError, match=r"Unknown key 'web\.url'\. Known keys: .*public_url"):
        load_config(write(tmp_path, '[web]\nurl = "https://x"\n'))
    config = load_config(
        write(tmp_path, '[web]\nenabled = true\npublic_url = "https://dash.example.org/"\n')
    )
    assert config.web.secure and config.notes() == []
    assert config.core_settings().dashboard_url == "https://dash.example.org"


def test_check_config_says_where_the_dashboard_is_and_warns_without_https(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, '[web]\nenabled = true\nport = 8088\npublic_url = "http://10.0.0.5"\n')
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["--config", str(path), "check-config"]) == 0
    assert "dashboard: http://10.0.0.5 (served on 127.0.0.1:8088)" in out.getvalue()
    assert "public_url is not https" in out.getvalue()


async def test_run_serves_the_dashboard_only_when_enabled(sqlite_app: Mentorhub) -> None:
    assert await start_dashboard(sqlite_app) is None
    sqlite_app.config = dataclasses.replace(
        sqlite_app.config, web=WebConfig(enabled=True, port=0, public_url="https://x.org")
    )
    server = await start_dashboard(sqlite_app)
    assert server is not None
    try:
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"http://127.0.0.1:{server.port}/") as home,
        ):
            assert home.status == 200 and "dashboard &lt;program&gt;" in await home.text()
        taken = WebConfig(enabled=True, port=server.port, public_url="https://x.org")
        sqlite_app.config = dataclasses.replace(sqlite_app.config, web=taken)
        with pytest.raises(WebPortUnavailable, match=r"127\.0\.0\.1:\d+ can't be opened .*\[web\]"):
            await start_dashboard(sqlite_app)
    finally:
        await server.stop()
