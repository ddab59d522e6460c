from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from core.commands import build_registry
from core.errors import InvalidInput
from core.i18n import PSEUDO, translate
from core.messages import ACTION_ID_MAX_BYTES, Action, Choice, Outcome
from core.registry import Arg, ArgKind, CommandSpec, Registry


async def _noop(ctx: Any, args: Any) -> Outcome:
    return Outcome()


def english(text: str) -> str:
    return translate(text, None)


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
    assert "goal needs: text" in english(missing.value.user_text())
    assert "Usage: goal [due] <text…>" in english(missing.value.user_text())
    with pytest.raises(InvalidInput) as too_long:
        SPEC.parse("2026-05-01 " + "x" * 41)
    assert "limit is 40" in translate(too_long.value.user_text(), "en")
    with pytest.raises(InvalidInput, match="not a date"):
        SPEC.parse("due=tomorrow learn")
    with pytest.raises(InvalidInput, match="unclosed quote"):
        SPEC.parse('"learn things')


def test_a_number_out_of_range_is_quoted_back_briefly() -> None:
    spec = CommandSpec(
        "goal",
        "Set a goal",
        _noop,
        args=(Arg("count", ArgKind.INT, "how many", low=1, high=1_000_000_000),),
    )
    with pytest.raises(InvalidInput) as huge:
        spec.parse("1" * 3000)
    told = english(huge.value.user_text())
    assert told == f"The count must be from 1 to 1000000000; you wrote {'1' * 20}…."
    with pytest.raises(InvalidInput) as small:
        spec.parse("0")
    assert (
        english(small.value.user_text()) == "The count must be from 1 to 1000000000; you wrote 0."
    )
    with pytest.raises(InvalidInput) as words:
        spec.parse("many")
    assert (
        english(words.value.user_text()) == "The count must be a whole number from 1 to 1000000000."
    )


def test_the_registry_speaks_the_readers_language() -> None:
    spec = build_registry().get("relay")
    assert spec is not None
    with pytest.raises(InvalidInput) as wrong:
        spec.parse("maybe")
    assert (
        english(wrong.value.user_text())
        == "'maybe' is not a valid switch.\nChoose one of: on, off."
    )
    pseudo = translate(wrong.value.user_text(), PSEUDO)
    assert (
        pseudo.startswith("⟦'maybe' îš ñöţ à ṽàĺîđ switch.") and "Çĥööšé öñé öƒ: on, off." in pseudo
    )
    shown = translate(spec.help_text(), PSEUDO)
    assert (
        "`relay [pair=…] <switch>`" in shown
        and "⟦Ţûŕñ ɱéššàĝéš" in shown
        and "Turn messages" not in shown
    )


def test_a_verbatim_rest_keeps_what_was_typed() -> None:
    spec = build_registry().get("announce")
    assert spec is not None
    typed = "Don't miss Friday's \"kick-off\"!\n  Bring   a friend."
    assert spec.parse(f"prog {typed}") == {"program": "prog", "message": typed}
    assert spec.parse(f"program=prog {typed}")["message"] == typed
    # as Discord's options arrive: by name, shell-quoted
    assert spec.parse("program=prog message='Don'\"'\"'t miss it'")["message"] == "Don't miss it"
    with pytest.raises(InvalidInput) as missing:
        spec.parse("prog")
    assert english(missing.value.message) == "announce needs: message."
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
    overview = english(registry.overview(registered=False, coordinator=False))
    assert "General: `help`, `start`, `cancel`, `privacy`" in overview
    assert "profile" not in overview  # needs registration
    assert len(overview.splitlines()) < 10
    everything = english(registry.overview(registered=True, coordinator=True))
    assert "Coordinators: `configure`, `coordinator`, `assign`" in everything
    assert len(everything.splitlines()) < 15
    assert "start [name] [timezone] [languages]" in english(registry.get("start").help_text())  # type: ignore[union-attr]
    spec = registry.get("profile")
    assert spec is not None
    assert "field (optional): what to change. One of: name, timezone" in english(spec.help_text())


def test_action_ids_round_trip_and_respect_the_64_byte_limit() -> None:
    action = Action.command("accept", "12345")
    assert Action.decode(action.encode()) == action
    with pytest.raises(ValueError, match="longer than 64"):
        Action("c", ("x" * 70,)).encode()
    with pytest.raises(ValueError, match="contains"):
        Action("c", ("a:b",)).encode()
    with pytest.raises(ValueError, match="exceeds"):
        Choice("too long", "y" * (ACTION_ID_MAX_BYTES + 1))
