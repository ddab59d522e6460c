"""Command references written per messenger, read against the registry."""

from __future__ import annotations

import pytest

from adapters.discord.commands import DiscordSyntax
from core.commands import build_registry
from core.messages import Field, Reply
from core.syntax import ConsoleSyntax, NativeCommands, PrefixedSyntax

REGISTRY = build_registry()
CONSOLE = NativeCommands(REGISTRY, ConsoleSyntax())
SLACK = NativeCommands(REGISTRY, PrefixedSyntax("/mentor "))
TELEGRAM = NativeCommands(REGISTRY, PrefixedSyntax("/"))
DISCORD = NativeCommands(REGISTRY, DiscordSyntax(REGISTRY.all()))


@pytest.mark.parametrize(
    ("span", "slack", "telegram", "discord"),
    [
        (
            "enroll design-26 mentee",
            "/mentor enroll design-26 mentee",
            "/enroll design-26 mentee",
            "/mentor enroll program:design-26 role:mentee",
        ),
        ("join", "/mentor join", "/join", "/mentor start"),  # an alias: Discord has none
        (
            "pause pair=<number>",
            "/mentor pause pair=<number>",
            "/pause pair=<number>",
            "/mentor-pair pause pair:<number>",
        ),
        (
            'start "Alice Smith" Europe/Berlin en,de',
            '/mentor start "Alice Smith" Europe/Berlin en,de',
            '/start "Alice Smith" Europe/Berlin en,de',
            "/mentor start name:Alice Smith timezone:Europe/Berlin languages:en,de",
        ),
        (  # the rest of the line is one argument; a name=value after it still sets its own
            "ask @dana @erik program=design",
            "/mentor ask @dana @erik program=design",
            "/ask @dana @erik program=design",
            "/mentor ask mentors:@dana @erik program:design",
        ),
        (  # a verbatim rest keeps what looks like an option
            "note pair=3 see a=b",
            "/mentor note pair=3 see a=b",
            "/note pair=3 see a=b",
            "/mentor-pair note pair:3 text:see a=b",
        ),
        (  # usage placeholders stand for their argument
            "announce <program> <message…>",
            "/mentor announce <program> <message…>",
            "/announce <program> <message…>",
            "/mentor-admin announce program:… message:…",
        ),
        (
            "pause [until] [pair=…]",
            "/mentor pause [until] [pair=…]",
            "/pause [until] [pair=…]",
            "/mentor-pair pause [until:…] [pair:…]",
        ),
        ("pair=3", "pair=3", "pair=3", "pair:3"),  # an argument on its own
    ],
)
def test_each_messenger_writes_a_reference_its_way(
    span: str, slack: str, telegram: str, discord: str
) -> None:
    assert CONSOLE.span(span) == span
    assert SLACK.span(span) == slack
    assert TELEGRAM.span(span) == telegram
    assert DISCORD.span(span) == discord


@pytest.mark.parametrize("span", ["Europe/Lisbon", "skills=0.5 overlap=0.3", "mentorhub run", " "])
def test_what_names_no_command_stays_code(span: str) -> None:
    assert DISCORD.span(span) is None
    assert DISCORD.text(f"see `{span}`.") == f"see `{span}`."


def test_a_reply_is_written_in_its_text_title_and_field_values() -> None:
    reply = Reply(
        "Send `programs`, or `help enroll`.\nThen `enroll x mentee`.",
        title="Try `help`",
        fields=(Field("`pairs`", "`pairs` lists them"),),
    )
    written = SLACK.reply(reply)
    assert written.text == (
        "Send `/mentor programs`, or `/mentor help enroll`.\nThen `/mentor enroll x mentee`."
    )
    assert written.title == "Try `/mentor help`"
    assert written.fields == (Field("`pairs`", "`/mentor pairs` lists them"),)
    assert SLACK.reply(Reply("nothing to write")) == Reply("nothing to write")


def test_a_command_without_a_slash_form_on_discord_is_typed_in_the_dm() -> None:
    hidden = next(spec for spec in REGISTRY.all(include_hidden=True) if spec.hidden)
    assert DISCORD.span(f"{hidden.name} x") == f"{hidden.name} x"
