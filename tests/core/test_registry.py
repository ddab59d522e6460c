from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from core.commands import build_registry
from core.errors import InvalidInput
from core.i18n import translate
from core.messages import ACTION_ID_MAX_BYTES, Action, Choice, Outcome
from core.registry import Arg, ArgKind, CommandSpec, Registry


async def _noop(ctx: Any, args: Any) -> Outcome:
    return Outcome()


SPEC = CommandSpec(
    "goal",
    "Add a goal",
    _noop,
    args=(
        Arg("due", ArgKind.DATE, "when", required=False),
        Arg("text", ArgKind.TEXT, "the goal", rest=True, max_len=40),
    ),
)


def test_positional_rest_and_named_arguments() -> None:
    assert SPEC.parse("2026-05-01 learn system design") == {
        "due": date(2026, 5, 1),
        "text": "learn system design",
    }
    assert SPEC.parse('text="ship it" due=2026-01-02') == {
        "text": "ship it",
        "due": date(2026, 1, 2),
    }


def test_errors_name_the_problem_and_show_usage() -> None:
    with pytest.raises(InvalidInput) as missing:
        SPEC.parse("")
    assert "goal needs: text" in missing.value.user_text()
    assert "Usage: goal [due] <text…>" in missing.value.user_text()
    with pytest.raises(InvalidInput) as too_long:
        SPEC.parse("2026-05-01 " + "x" * 41)
    assert "limit is 40" in translate(too_long.value.user_text(), "en")
    with pytest.raises(InvalidInput, match="not a date"):
        SPEC.parse("due=tomorrow learn")
    with pytest.raises(InvalidInput, match="unclosed quote"):
        SPEC.parse('"learn things')


def test_a_verbatim_rest_keeps_what_was_typed() -> None:
    spec = build_registry().get("announce")
    assert spec is not None
    typed = "Don't miss Friday's \"kick-off\"!\n  Bring   a friend."
    assert spec.parse(f"prog {typed}") == {"program": "prog", "message": typed}
    assert spec.parse(f"program=prog {typed}")["message"] == typed
    # as Discord's options arrive: by name, shell-quoted
    assert spec.parse("program=prog message='Don'\"'\"'t miss it'")["message"] == "Don't miss it"
    with pytest.raises(InvalidInput, match="announce needs: message"):
        spec.parse("prog")
    with pytest.raises(ValueError, match="must take the rest"):
        CommandSpec("x", "x", _noop, args=(Arg("t", ArgKind.TEXT, "t", verbatim=True),))


def test_smart_quotes_from_phones_group_words() -> None:
    spec = build_registry().get("start")
    assert spec is not None
    assert spec.parse("“Zoë Smith” Europe/Berlin en")["name"] == "Zoë Smith"


def test_registry_rejects_duplicates_and_invalid_names() -> None:
    registry = Registry()
    registry.add(SPEC)
    with pytest.raises(ValueError, match="declared twice"):
        registry.add(SPEC)
    with pytest.raises(ValueError, match="not valid"):
        CommandSpec("check-in", "x", _noop)  # Telegram commands can't have hyphens


def test_suggestions_for_typos() -> None:
    registry = build_registry()
    assert registry.suggest("profle")[0] == "profile"
    assert registry.get("join") is registry.get("start")


def test_help_is_generated_from_declarations() -> None:
    registry = build_registry()
    overview = registry.overview(registered=False, coordinator=False)
    assert "General: `help`, `start`, `cancel`, `privacy`" in overview
    assert "profile" not in overview  # needs registration
    assert len(overview.splitlines()) < 10
    everything = registry.overview(registered=True, coordinator=True)
    assert "Coordinators: `configure`, `coordinator`, `assign`" in everything
    assert len(everything.splitlines()) < 15
    assert "start [name] [timezone] [languages]" in registry.get("start").help_text()  # type: ignore[union-attr]
    spec = registry.get("profile")
    assert spec is not None
    assert "field (optional): what to change. One of: name, timezone" in spec.help_text()


def test_action_ids_round_trip_and_respect_the_64_byte_limit() -> None:
    action = Action.command("accept", "12345")
    assert Action.decode(action.encode()) == action
    with pytest.raises(ValueError, match="longer than 64"):
        Action("c", ("x" * 70,)).encode()
    with pytest.raises(ValueError, match="contains"):
        Action("c", ("a:b",)).encode()
    with pytest.raises(ValueError, match="exceeds"):
        Choice("too long", "y" * (ACTION_ID_MAX_BYTES + 1))
