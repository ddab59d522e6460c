from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
import sys
from pathlib import Path
from unittest.mock import patch

import pytest

from bots.cli import main
from bots.config import ConfigError, Secret, load_config

ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mentorhub.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_example_config_is_valid_and_names_no_secret() -> None:
    config = load_config(ROOT / "config.example.toml", environ={})
    assert config.database.url.startswith("sqlite")
    assert config.console_enabled()
    text = (ROOT / "config.example.toml").read_text()
    token_like = re.compile(r"xox[abp]-[0-9A-Za-z-]{8,}|xapp-[0-9A-Za-z-]{8,}|\d{6,}:[\w-]{30,}")
    assert token_like.findall(text) == []


def test_every_problem_is_reported_with_what_to_fix(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
[database]
urll = "sqlite:///x.db"
[programs]
cadence_days = "weekly"
[slack]
enabled = true
mode = "carrier-pigeon"
""",
    )
    with pytest.raises(ConfigError) as error:
        load_config(path, environ={})
    problems = "\n".join(error.value.problems)
    assert "Unknown key 'database.urll'. Did you mean 'url'?" in problems
    assert "'programs.cadence_days' must be int; got str 'weekly'" in problems
    assert "'slack.mode' must be one of 'http', 'socket'" in problems


def test_enabled_messenger_needs_its_env_var(tmp_path: Path) -> None:
    path = write(tmp_path, '[telegram]\nenabled = true\ntoken_env = "MY_TG_TOKEN"\n')
    with pytest.raises(ConfigError, match="MY_TG_TOKEN"):
        load_config(path, environ={})
    config = load_config(path, environ={"MY_TG_TOKEN": "123:abc"})
    assert config.messengers() == ["telegram"]
    assert not config.console_enabled()


def test_secrets_never_show_themselves() -> None:
    secret = Secret("xoxb-very-secret")
    assert "very-secret" not in repr(secret)
    assert "very-secret" not in f"{secret}"
    assert secret.reveal() == "xoxb-very-secret"


def test_check_config_command_prints_the_verdict(tmp_path: Path) -> None:
    good = subprocess.run(
        [
            sys.executable,
            "-m",
            "bots.cli",
            "--config",
            str(ROOT / "config.example.toml"),
            "check-config",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert good.returncode == 0, good.stderr
    assert "Configuration OK" in good.stdout
    bad = write(tmp_path, "[discord]\nenabled = true\n")
    result = subprocess.run(
        [sys.executable, "-m", "bots.cli", "--config", str(bad), "check-config"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 2
    assert "MENTORHUB_DISCORD_TOKEN" in result.stderr


def test_check_config_notes_that_sync_global_covers_the_guild_ids(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[discord]\nenabled = true\nguild_ids = [111]\nsync_global = true\ntoken_env = "T"\n',
    )
    out = io.StringIO()
    with contextlib.redirect_stdout(out), patch.dict(os.environ, {"T": "t0ken"}):
        assert main(["--config", str(path), "check-config"]) == 0
    assert "Configuration OK" in out.getvalue()
    assert (
        "  note: [discord] sync_global = true registers the commands in every server; the "
        "guild_ids' copies are removed, or each command would show twice there."
    ) in out.getvalue()
    assert "note:" not in run_check(write(tmp_path, "[discord]\nguild_ids = [111]\n"))


def run_check(path: Path) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["--config", str(path), "check-config"]) == 0
    return out.getvalue()


@pytest.mark.parametrize(
    ("value", "creators"),
    [
        ('"anyone"', "anyone"),
        ('"admins"', "admins"),
        ('["discord:1", "slack:U012AB3CD"]', ("discord:1", "slack:U012AB3CD")),
    ],
)  # fmt: skip
def test_who_may_create_programs(tmp_path: Path, value: str, creators: object) -> None:
    path = tmp_path / "mentorhub.toml"
    path.write_text(f"[programs]\ncreators = {value}\n", encoding="utf-8")
    assert load_config(path, environ={}).core_settings().program_creators == creators
    assert load_config(None, environ={}).core_settings().program_creators == "anyone"


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ('"everyone"', 'creators must be "anyone", "admins" or a list of accounts'),
        ('["irc:bob", "discord:"]', "'irc:bob', 'discord:' are not an account"),
        ("3", "'programs.creators' must be a list of str"),
    ],
)
def test_a_bad_creators_setting_says_what_to_write(tmp_path: Path, value: str, says: str) -> None:
    path = tmp_path / "mentorhub.toml"
    path.write_text(f"[programs]\ncreators = {value}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(says)):
        load_config(path, environ={})


def test_ops_and_log_sections(tmp_path: Path) -> None:
    defaults = load_config(None, environ={})
    assert (defaults.ops.enabled, defaults.log.format) == (False, "text")  # off; for people
    path = write(tmp_path, '[ops]\nenabled = true\nport = 9100\n[log]\nformat = "json"\n')
    config = load_config(path, environ={})
    assert (config.ops.enabled, config.ops.host, config.ops.port) == (True, "127.0.0.1", 9100)
    assert config.log.format == "json"
    bad = write(tmp_path, '[ops]\nport = 70000\n[log]\nformat = "xml"\n')
    with pytest.raises(ConfigError) as raised:
        load_config(bad, environ={})
    assert raised.value.problems == [
        "'ops.port' must be from 0 to 65535; got 70000.",
        "'log.format' must be one of 'text', 'json'; got 'xml'.",
    ]
