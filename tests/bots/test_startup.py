"""Start-up as a new user meets it: the shipped demo runs, every mistake gets one clear
line and a non-zero exit (never a traceback), and the configuration lists every problem
at once."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from bots.config import ConfigError, load_config

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "demo.txt"


def mentorhub(
    tmp_path: Path, *args: str, config: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the CLI in a fresh process against its own SQLite file (``config`` is added)."""
    path = tmp_path / "mentorhub.toml"
    path.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "hub.db"}"\n{config}')
    return subprocess.run(
        [sys.executable, "-m", "bots.cli", "--config", str(path), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
        stdin=subprocess.DEVNULL,
        env={"PATH": "/usr/bin:/bin", **(env or {})},
    )


def test_the_shipped_demo_runs_with_the_clock_moving_everything_on_the_way(
    tmp_path: Path,
) -> None:
    result = mentorhub(tmp_path, "run", "--script", str(DEMO), "--clock", "2026-03-02T09:00Z")
    assert result.returncode == 0, result.stderr
    assert "Check-in 1 with Dana Berg is open" in result.stdout  # the first week's check-in
    assert "The pause's end date resumed pair #1." in result.stdout  # the pause ended on time
    assert "Pairs: active 1" in result.stdout.split("cora> status prog")[1]
    # Nothing but the chat on stdout, and no log line beside the console at the default level.
    assert result.stderr == ""


def test_the_readme_names_the_demo_script() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "examples/demo.txt" in readme and DEMO.exists()


@pytest.mark.parametrize(
    ("args", "config", "says"),
    [
        (["run", "--script", "demo.txt"], "", "the script demo.txt doesn't exist"),
        (["run", "--clock", "yesterday"], "", "--clock 'yesterday' is not a date and time"),
        (["run", "--clock", "2026-03-02"], "", "--clock '2026-03-02' has no time zone"),
    ],
)
def test_a_mistyped_start_gets_one_line_and_a_non_zero_exit(
    tmp_path: Path, args: list[str], config: str, says: str
) -> None:
    result = mentorhub(tmp_path, *args, config=config)
    assert "Traceback" not in result.stderr
    assert result.returncode == 2
    assert result.stderr.startswith(f"mentorhub can't start: {says}")
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_a_sqlite_file_in_a_missing_folder_is_a_config_problem(tmp_path: Path) -> None:
    config = tmp_path / "mentorhub.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "no" / "such" / "hub.db"}"\n')
    for command in (["run"], ["db", "upgrade"], ["check-config"]):
        result = subprocess.run(
            [sys.executable, "-m", "bots.cli", "--config", str(config), *command],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=120,
            check=False,
            stdin=subprocess.DEVNULL,
        )
        assert result.returncode == 2, command
        assert "Traceback" not in result.stderr
        assert f"the folder {tmp_path / 'no' / 'such'} for the SQLite file doesn't exist" in (
            result.stderr
        )


def test_an_unreachable_database_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "mentorhub.toml"
    path.write_text('[database]\nurl = "postgresql://nobody@127.0.0.1:1/mentorhub"\n')
    result = subprocess.run(
        [sys.executable, "-m", "bots.cli", "--config", str(path), "db", "current"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("mentorhub can't start: the database postgresql")
    assert "Traceback" not in result.stderr


def test_a_manual_clock_is_refused_beside_a_real_messenger(tmp_path: Path) -> None:
    result = mentorhub(
        tmp_path,
        "run",
        "--clock",
        "2026-03-02T09:00Z",
        config="[telegram]\nenabled = true\n",
        env={"MENTORHUB_TELEGRAM_TOKEN": "123:abc"},
    )
    assert result.returncode == 2
    assert "the enabled messengers (telegram) run on real time" in result.stderr
    assert "Traceback" not in result.stderr


def test_check_config_lists_every_problem_in_one_pass_ranges_included(tmp_path: Path) -> None:
    path = tmp_path / "mentorhub.toml"
    path.write_text(
        """
[programs]
cadence_days = "weekly"
meeting_minutes = 0
[scheduler]
poll_seconds = -1
batch_size = 0
[telegram]
enabled = true
webhook_port = 70000
"""
    )
    with pytest.raises(ConfigError) as error:
        load_config(path, environ={})
    assert error.value.problems == [
        "'telegram.webhook_port' must be from 1 to 65535; got 70000.",
        "'programs.cadence_days' must be int; got str 'weekly'.",
        "'programs.meeting_minutes' must be from 5 to 240 minutes; got 0.",
        "'scheduler.poll_seconds' must be from 0.1 to 3600 seconds; got -1.",
        "'scheduler.batch_size' must be from 1 to 100000 rows; got 0.",
        # A type error elsewhere no longer hides the missing token.
        "[telegram] is enabled but environment variable MENTORHUB_TELEGRAM_TOKEN (named by "
        "telegram.token_env) is not set. Export it, or set enabled = false.",
    ]


def test_console_logs_are_warnings_marked_as_log_lines_on_stderr() -> None:
    code = (
        "import logging; from bots.cli import _configure_logging; "
        "_configure_logging(verbose=False, console=True); "
        "logging.getLogger('mentorhub.x').info('not shown'); "
        "logging.getLogger('mentorhub.x').warning('shown')"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert result.stdout == ""
    assert result.stderr == "[log] WARNING mentorhub.x: shown\n"


# --- dev.py ------------------------------------------------------------------------------


def dev_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("dev", ROOT / "dev.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_dev_py_passes_any_mentorhub_command_through(monkeypatch: pytest.MonkeyPatch) -> None:
    dev = dev_module()
    ran: list[tuple[str, ...]] = []

    def tool(*args: str, here: bool = False) -> int:
        ran.append((*args, "(in the caller's folder)" if here else "(in the project's)"))
        return 0

    monkeypatch.setattr(dev, "ensure_env", lambda extras: None)
    monkeypatch.setattr(dev, "tool", tool)
    assert dev.main(["mentorhub", "check-config"]) == 0
    assert dev.main(["mentorhub", "db", "current"]) == 0
    assert dev.main(["test", "-k", "x"]) == 0
    assert dev.main(["test", "-n", "0"]) == 0  # the caller's choice of workers stands
    assert ran == [
        ("mentorhub", "check-config", "(in the caller's folder)"),
        ("mentorhub", "db", "current", "(in the caller's folder)"),
        ("pytest", "-n", "auto", "-k", "x", "(in the project's)"),
        ("pytest", "-n", "0", "(in the project's)"),
    ]


def run_cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The CLI as typed in ``cwd``, with no config file (the defaults)."""
    return subprocess.run(
        [sys.executable, "-m", "bots.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
        check=False,
        stdin=subprocess.DEVNULL,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
    )


def test_a_tour_on_a_manual_clock_keeps_out_of_the_real_database(tmp_path: Path) -> None:
    for _ in range(2):  # and runs the same the second time
        result = run_cli(tmp_path, "run", "--script", str(DEMO), "--clock", "2026-03-02T09:00Z")
        assert result.returncode == 0, result.stderr
        assert "Welcome back" not in result.stdout and "exists already" not in result.stdout
    assert not (tmp_path / "mentorhub.db").exists()


def test_the_config_file_may_follow_the_command(tmp_path: Path) -> None:
    config = tmp_path / "prod.toml"
    config.write_text('[console]\nenabled = "always"\n')
    result = run_cli(tmp_path, "check-config", "-c", "prod.toml")
    assert result.returncode == 0, result.stderr
    assert "Configuration OK (prod.toml)." in result.stdout
    assert "Configuration OK (no file: the defaults)." in run_cli(tmp_path, "check-config").stdout
    config.write_text("[scheduler]\nbatch_size = 0\n")
    broken = run_cli(tmp_path, "check-config", "-c", "prod.toml")
    assert broken.returncode == 2
    assert broken.stderr.startswith("mentorhub: the configuration needs fixing.")


def test_ctrl_c_under_dev_py_waits_for_the_tool_and_returns_its_status(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    dev = dev_module()

    class Interrupted:
        """A tool that is still stopping when Ctrl-C reaches dev.py, then exits 130."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            self.waits = 0

        def wait(self) -> int:
            self.waits += 1
            if self.waits == 1:
                raise KeyboardInterrupt
            return 130

    monkeypatch.setattr(dev.subprocess, "Popen", Interrupted)
    assert dev.tool("mentorhub", "run") == 130


def test_check_config_shows_the_retention_and_the_grace_period(tmp_path: Path) -> None:
    config = tmp_path / "prod.toml"
    config.write_text("[privacy]\nremoved_workspace_grace_days = 10\nkeep_ended_pairs_days = 90\n")
    result = run_cli(tmp_path, "check-config", "-c", "prod.toml")
    assert result.returncode == 0, result.stderr
    assert "ended pairs' content kept 90 days" in result.stdout
    assert "purged after a grace period of 10 days" in result.stdout
