"""The /mentor schema is generated from the core registry."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.discord.commands import (
    ADMIN_COMMAND,
    MAIN_COMMAND,
    PAIR_COMMAND,
    all_timezones,
    check_limits,
    command_payloads,
    layout,
    lookup_kind,
    suggestions,
    timezone_suggestions,
)
from core.commands import build_registry
from core.commands.people import people_commands
from core.commands.privacy import privacy_commands
from core.i18n import said, translate
from core.registry import Access, Arg, ArgKind, CommandSpec, ForCoordinators, Registry


async def noop(ctx, args):  # pragma: no cover - never run
    return []


async def noop_for_program(ctx, args, program):  # pragma: no cover - never run
    return []


def without_localizations(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            key: without_localizations(value)
            for key, value in node.items()
            if key != "description_localizations"
        }
    if isinstance(node, list):
        return [without_localizations(value) for value in node]
    return node


def test_guild_payload_for_the_registration_commands() -> None:
    registry = Registry()
    registry.extend(people_commands(noop))
    registry.extend(privacy_commands())
    payloads = command_payloads(registry.all(), global_scope=False)
    # (what each language reads instead: test_descriptions_are_published_in_each_…)
    assert without_localizations(payloads) == [
        {
            "type": 1,
            "name": "mentor",
            "description": "mentorhub: mentoring programs, pairs and check-ins",
            "options": [
                {
                    "type": 1,
                    "name": "help",
                    "description": "List what you can do, or explain one command",
                    "options": [
                        {
                            "type": 3,
                            "name": "command",
                            "description": "a command to explain",
                            "required": False,
                            "max_length": 64,
                        }
                    ],
                },
                {
                    "type": 1,
                    "name": "start",
                    "description": "Register: your name, time zone and languages",
                    "options": [
                        {
                            "type": 3,
                            "name": "name",
                            "description": "the name people see",
                            "required": False,
                            "max_length": 80,
                        },
                        {
                            "type": 3,
                            "name": "timezone",
                            "description": "IANA zone or city",
                            "required": False,
                            "autocomplete": True,
                        },
                        {
                            "type": 3,
                            "name": "languages",
                            "description": "codes like en,de",
                            "required": False,
                            "max_length": 300,
                        },
                    ],
                },
                {
                    "type": 1,
                    "name": "profile",
                    "description": "Show your profile, or change one field",
                    "options": [
                        {
                            "type": 3,
                            "name": "field",
                            "description": "what to change",
                            "required": False,
                            "choices": [
                                {"name": c, "value": c}
                                for c in (
                                    "name",
                                    "timezone",
                                    "languages",
                                    "quiet",
                                    "handle",
                                    "notify",
                                )
                            ],
                        },
                        {
                            "type": 3,
                            "name": "value",
                            "description": "the new value",
                            "required": False,
                            "max_length": 80,
                        },
                    ],
                },
                {"type": 1, "name": "cancel", "description": "Cancel the question I'm waiting on"},
                {"type": 1, "name": "privacy", "description": "How mentorhub handles your data"},
                {
                    "type": 1,
                    "name": "my_data",
                    "description": "Get everything stored about you, as files",
                },
                {
                    "type": 1,
                    "name": "forget_me",
                    "description": "Delete all your data (asks first)",
                    "options": [
                        {
                            "type": 3,
                            "name": "confirm",
                            "description": "yes: delete without asking again",
                            "required": False,
                            "choices": [{"name": "yes", "value": "yes"}],
                        }
                    ],
                },
            ],
        }
    ]


def test_global_payload_also_works_in_the_bots_dms() -> None:
    for command in command_payloads(build_registry().all(), global_scope=True):
        assert command["contexts"] == [0, 1]
        assert command["integration_types"] == [0]


def test_every_registry_command_is_reachable_as_a_slash_command() -> None:
    registry = build_registry()
    payloads = command_payloads(registry.all(), global_scope=False)
    assert [p["name"] for p in payloads] == [MAIN_COMMAND, PAIR_COMMAND, ADMIN_COMMAND]
    listed = [sub["name"] for p in payloads for sub in p["options"]]
    assert sorted(listed) == sorted(s.name for s in registry.all())
    by_top = {p["name"]: {sub["name"] for sub in p["options"]} for p in payloads}
    assert {"start", "enroll", "ask", "accept"} <= by_top[MAIN_COMMAND]
    assert {"agree", "checkin", "goal", "pause", "end"} <= by_top[PAIR_COMMAND]
    admin = {"status", "export", "dashboard", "assign", "link", "announce", "match"}
    assert admin == by_top[ADMIN_COMMAND] - {
        "configure",
        "coordinator",
        "suggest",
    }


def spec(name: str, *args: Arg, access: Access = Access.REGISTERED, **kw: Any) -> CommandSpec:
    coordinator = access is Access.COORDINATOR
    handler = ForCoordinators(noop_for_program) if coordinator else noop
    program_arg = "program" if coordinator else None
    return CommandSpec(
        name, f"Do {name}", handler, args=args, access=access, program_arg=program_arg, **kw
    )


def test_options_are_typed_required_first_and_descriptions_fit() -> None:
    s = spec(
        "rate",
        Arg("note", ArgKind.TEXT, "x" * 150, required=False, max_len=500),
        Arg("score", ArgKind.INT, "1 to 5", low=1, high=5),
        Arg("when", ArgKind.DATE, "a day"),
        Arg("mode", ArgKind.CHOICE, "how", choices=tuple(f"m{i}" for i in range(30))),
        Arg("partner", ArgKind.PERSON, "who"),
    )
    (command,) = command_payloads([s], global_scope=False)
    options = command["options"][0]["options"]
    assert [o["name"] for o in options] == ["score", "when", "mode", "partner", "note"]
    assert options[0] == {
        "type": 4,
        "name": "score",
        "description": "1 to 5",
        "required": True,
        "min_value": 1,
        "max_value": 5,
    }
    assert options[1] == {"type": 3, "name": "when", "description": "a day", "required": True}
    assert options[2]["autocomplete"] is True  # more than 25 choices
    assert "choices" not in options[2]
    assert options[3]["max_length"] == 64
    assert options[3]["autocomplete"] is True  # handles, from core.lookup
    assert len(options[4]["description"]) == 100
    assert options[4]["description"].endswith("…")


def test_hidden_commands_are_not_listed() -> None:
    (command,) = command_payloads([spec("shown"), spec("secret", hidden=True)], global_scope=False)
    assert [o["name"] for o in command["options"]] == ["shown"]


def test_more_than_25_commands_are_spread_by_group() -> None:
    people = [spec(f"p{i}") for i in range(15)]
    pair = [spec(f"q{i}", group="Check-ins") for i in range(6)]
    admin = [
        spec(f"a{i}", Arg("program", ArgKind.PROGRAM, "which"), access=Access.COORDINATOR)
        for i in range(8)
    ]
    groups = layout(people + pair + admin)
    assert list(groups) == [MAIN_COMMAND, PAIR_COMMAND, ADMIN_COMMAND]
    assert [s.name for s in groups[ADMIN_COMMAND]] == [f"a{i}" for i in range(8)]
    assert [s.name for s in groups[PAIR_COMMAND]] == [f"q{i}" for i in range(6)]
    payloads = command_payloads(people + pair + admin, global_scope=False)
    assert [p["name"] for p in payloads] == ["mentor", "mentor-pair", "mentor-admin"]


def test_a_group_beyond_25_is_a_loud_error_not_a_missing_command() -> None:
    with pytest.raises(ValueError, match="would have 27 subcommands"):
        layout([spec(f"p{i}") for i in range(27)])


def test_invalid_option_names_are_refused() -> None:
    with pytest.raises(ValueError, match="not a valid Discord option name"):
        command_payloads([spec("x", Arg("Bad Name", ArgKind.WORD, "h"))], global_scope=False)


def test_todays_registry_fits_discords_limits() -> None:
    assert check_limits(command_payloads(build_registry().all(), global_scope=False)) == []
    wordy = [
        spec(f"c{i}", *(Arg(f"a{j}", ArgKind.TEXT, "h" * 100) for j in range(4))) for i in range(25)
    ]
    problems = check_limits(command_payloads(wordy, global_scope=False))
    assert problems[0].startswith("/mentor is ") and "Discord allows 8000" in problems[0]
    # the same command, once more in each locale it is described in
    assert {p.split(" is ")[0] for p in problems} == {"/mentor"}
    assert len(problems) == 1 + len({"de", "es-ES", "es-419", "pt-BR", "ru"})


def test_timezone_suggestions() -> None:
    assert timezone_suggestions("", "de") == [
        "Europe/Berlin",
        "Europe/Vienna",
        "Europe/Zurich",
        "UTC",
    ]
    assert timezone_suggestions("", "en-US")[:3] == [
        "America/New_York",
        "America/Chicago",
        "America/Los_Angeles",
    ]
    assert timezone_suggestions("berl", None) == ["Europe/Berlin"]
    assert timezone_suggestions("new york", None) == ["America/New_York"]
    # likely zones for the locale first, then cities starting with the text, then the rest
    lis = timezone_suggestions("lis", "pt-PT")
    assert lis[0] == "Europe/Lisbon"
    assert len(timezone_suggestions("a", None)) == 25
    assert "Etc/UTC" not in all_timezones()
    assert timezone_suggestions("zzzz", None) == []


def test_suggestions_by_argument_kind() -> None:
    registry = build_registry()
    assert suggestions(registry.get("start"), "timezone", "tok", None)[0] == "Asia/Tokyo"
    assert suggestions(registry.get("start"), "name", "An", None) == []
    assert suggestions(None, "timezone", "x", None) == []
    many = spec("m", Arg("mode", ArgKind.CHOICE, "h", choices=tuple(f"m{i}" for i in range(30))))
    assert suggestions(many, "mode", "m2", None)[:2] == ["m2", "m20"]


def test_programs_and_people_are_looked_up_in_core() -> None:
    registry = build_registry()
    assert lookup_kind(registry.get("enroll"), "program") is ArgKind.PROGRAM
    assert lookup_kind(registry.get("assign"), "mentee") is ArgKind.PERSON
    assert lookup_kind(registry.get("enroll"), "role") is None  # registry choices suffice
    assert lookup_kind(registry.get("start"), "timezone") is None
    assert lookup_kind(None, "program") is None
    assert suggestions(registry.get("assign"), "mentee", "d", None) == []  # not from here


def test_descriptions_are_published_in_each_of_our_languages_and_names_stay() -> None:
    registry = build_registry()
    payloads = command_payloads(registry.all(), global_scope=False)
    every = [option for command in payloads for option in command["options"]]
    checkin = next(option for option in every if option["name"] == "checkin")
    localized = checkin["description_localizations"]
    assert set(localized) == {"de", "es-ES", "es-419", "pt-BR", "ru"}
    summary = said(registry.get("checkin").summary)  # type: ignore[union-attr]
    assert localized["de"] == translate(summary, "de") != checkin["description"]
    assert localized["es-ES"] == localized["es-419"] == translate(summary, "es")
    assert all("name_localizations" not in option for option in every)  # typed the same
    assert check_limits(payloads) == []  # in every locale
