from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bots.bootstrap import Mentorhub
from tests.console_harness import ConsoleSession

ROOT = Path(__file__).resolve().parents[2]


async def test_two_people_register_see_and_edit_profiles(app: Mentorhub) -> None:
    console = ConsoleSession(app)
    out = await console.register("alice", "Alice Smith", "Europe/Berlin", "en,de")
    assert "You're registered, Alice Smith. Your handle is @alice_smith." in out

    # Bob registers through the dialog, tapping a suggested zone.
    out = await console.say("bob", "start")
    assert "What name should people see?" in out
    out = await console.say("bob", "#1")  # "Use “Bob”"
    assert "Which time zone are you in?" in out
    out = await console.say("bob", "Lisbon")
    assert "Which languages" in out
    out = await console.say("bob", "pt, en")
    assert "You're registered, Bob. Your handle is @bob." in out

    out = await console.say("alice", "profile")
    assert "Time zone: Europe/Berlin" in out and "Languages: en, de" in out
    out = await console.say("bob", "profile timezone America/Sao_Paulo")
    assert "Profile updated" in out and "Time zone: America/Sao_Paulo" in out
    out = await console.say("bob", "profile quiet 22-7")
    assert "Quiet hours: 22:00-07:00" in out
    out = await console.say("alice", "profile")
    assert "America/Sao_Paulo" not in out  # each sees only their own


async def test_bad_input_gets_specific_help_and_loses_nothing(app: Mentorhub) -> None:
    console = ConsoleSession(app)
    await console.register("alice", "Alice", "Europe/Berlin")
    out = await console.say("alice", "profle")
    assert "I don't know the command 'profle'. Did you mean `profile`?" in out
    assert "What you can do" not in out  # a suggestion, not the whole help
    out = await console.say("alice", "profile timezone Mars/Olympus")
    assert "'Mars/Olympus' is not a time zone I know." in out
    assert "IANA name like Europe/Berlin" in out
    out = await console.say("alice", "profile name " + "x" * 81)
    assert "the limit is 80" in out
    out = await console.say("alice", "profile")
    assert "Name: Alice" in out and "Time zone: Europe/Berlin" in out


async def test_a_dialog_keeps_its_place_through_errors_and_commands(app: Mentorhub) -> None:
    console = ConsoleSession(app)
    await console.register("alice", "Alice", "Europe/Berlin")
    out = await console.say("alice", "profile timezone")
    assert "Which time zone are you in?" in out
    out = await console.say("alice", "Atlantis")
    assert "'Atlantis' is not a time zone I know." in out
    assert "Which time zone are you in?" in out  # asked again, same step
    out = await console.say("alice", "/privacy")
    assert (
        "Private notes, private goals, private check-in notes and whom you blocked: only you" in out
    )
    assert "Your profile change is still open" in out
    out = await console.say("alice", "Asia/Tokyo")
    assert "Time zone: Asia/Tokyo" in out


async def test_stale_buttons_change_nothing(app: Mentorhub) -> None:
    console = ConsoleSession(app)
    await console.say("carol", "start")
    await console.say("carol", "Carol")
    stale_name_button = "d:1:1:=display"
    out = await console.say("carol", "Europe/Paris")
    assert "Which languages" in out
    outcome = await app.hub.action(console.console.ref("carol"), stale_name_button)
    texts = [r.text for r in outcome.replies]
    assert texts[0] == "That button is from an earlier question, so nothing was changed."
    assert "Which languages" in texts[1]


async def test_unregistered_people_are_told_how_to_start(app: Mentorhub) -> None:
    console = ConsoleSession(app)
    out = await console.say("dave", "profile")
    assert "You're not registered yet." in out and "Send `start`" in out


def test_scripted_mode_through_the_cli(tmp_path: Path) -> None:
    script = tmp_path / "script.txt"
    script.write_text(
        'start "Alice" Europe/Berlin en\n:as bob\nstart "Bob" Asia/Tokyo ja,en\nprofile\n'
    )
    config = tmp_path / "mentorhub.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "cli.db"}"\n')
    result = subprocess.run(
        [sys.executable, "-m", "bots.cli", "--config", str(config), "run", "--script", str(script)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr
    assert "You're registered, Alice." in result.stdout
    assert "bob> profile" in result.stdout and "Time zone: Asia/Tokyo" in result.stdout


def test_ctrl_d_on_stdin_ends_cleanly(tmp_path: Path) -> None:
    config = tmp_path / "mentorhub.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "cli.db"}"\n')
    result = subprocess.run(
        [sys.executable, "-m", "bots.cli", "--config", str(config), "run"],
        input="help\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "What you can do" in result.stdout
