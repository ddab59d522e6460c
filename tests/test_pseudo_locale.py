"""No string escapes translation, on any messenger's renderer.

Everyone here reads the pseudo-language (core.i18n.PSEUDO): each message is wrapped in
⟦…⟧ with its letters accented, each moment too. A whole mentoring relationship is played
through the console (registration to feedback, coordinator commands, help, errors), every
reply and notice is kept, and each is rendered the way every messenger renders it. Once
the marked spans, what people typed (names, goals, places) and the commands (which stay
as typed in every language) are taken out, no English word may be left: a literal that
was never made a message shows up here as plain ASCII, named with where it was seen.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import adapters.console as console_adapter
from adapters.console import render as console_render
from adapters.discord.render import render_reply as discord_render
from adapters.slack.render import render_reply as slack_render
from adapters.telegram.render import render as telegram_render
from bots.bootstrap import Mentorhub
from core.i18n import LANGUAGES, PSEUDO, PSEUDO_CLOSE, PSEUDO_OPEN, native_name
from core.messages import Reply
from tests.console_harness import ConsoleSession

# What people typed, and names of things: content, never translated.
CONTENT = (
    "Cora Lead", "Dana Berg", "Erik Lund", "Mia Sousa", "Olga Ivanova", "Cora", "Dana",
    "Erik", "Mia", "Olga", "Test program", "Get a design job", "figma", "career",
    "Europe/London", "Europe/Berlin", "America/New_York", "Europe/Lisbon", "Europe/Warsaw",
    "Talked about portfolios", "Thanks for today", "Ship the portfolio", "See you Thursday",
    "Practised the portfolio review", "Welcome everyone", "banana",
    "mentorhub", "Telegram", "Slack", "Discord", "Console", "UTC", "CSV", "IANA", "prog",
    *(native_name(language) for language in LANGUAGES),  # each language by its own name
)  # fmt: skip
VISIBLE_KEYS = {"text", "content", "title", "description", "label", "name", "value", "footer"}
_MARKED = re.compile(f"{PSEUDO_OPEN}[^{PSEUDO_OPEN}{PSEUDO_CLOSE}]*{PSEUDO_CLOSE}")
_COMMANDS = re.compile(  # as typed: in backticks, Telegram's code, a slash command
    r"`[^`]*`|<code>[^<]*</code>|(?<![\w/])/[a-z][\w-]*(?: [a-z_]+:\S+| [\w=#:<>.…-]+)*"
)
_NOISE = re.compile(
    r"<[^>]+>|&\w+;|https?://\S+|@\S+|#\d+|\b[\w.-]+=[\w.<>…-]*|\b[a-z0-9]+(?:[_-][a-z0-9]+)+\b"
    r"|^[acd]:\S*$|:[a-z_]+:"  # a button's action id (not shown); an emoji's short name
)
_WORD = re.compile(r"[A-Za-z]{3,}")
_CONTENT = re.compile("|".join(rf"(?<!\w){re.escape(content)}(?!\w)" for content in CONTENT))

SCRIPT: tuple[tuple[str, str], ...] = (
    ("cora", 'start "Cora Lead" Europe/London en'),
    ("cora", "newprogram prog Test program"),
    ("cora", "configure prog cadence weekly"),
    ("dana", 'start "Dana Berg" Europe/Berlin en,de'),
    ("dana", "enroll prog mentor 2"),
    ("dana", "figma, career"),
    ("dana", "async"),
    ("dana", "#1"),
    ("erik", 'start "Erik Lund" America/New_York en'),
    ("erik", "enroll prog mentor 1"),
    ("erik", "figma"),
    ("erik", "call"),
    ("erik", "#1"),
    ("mia", 'start "Mia Sousa" Europe/Lisbon en,pt'),
    ("mia", "enroll prog mentee"),
    ("mia", "figma"),
    ("mia", "Get a design job"),
    ("mia", "async"),
    ("mia", "#1"),
    ("mia", "mentors prog"),
    ("mia", "request dana_berg"),
    ("dana", "accept"),
    ("mia", "agree"),
    ("mia", "#1"),
    ("mia", "weekly"),
    ("mia", "async"),
    ("mia", "here in chat"),
    ("mia", "2026-03-02"),
    ("mia", "12w"),
    ("mia", "48"),
    ("mia", "#1"),
    ("dana", "confirm"),
    ("mia", "goal Ship the portfolio"),
    ("mia", "checkin"),
    ("mia", "Talked about portfolios"),
    ("mia", "skip"),
    ("dana", "checkin"),
    ("dana", "Talked about portfolios"),
    ("dana", "skip"),
    ("mia", "relay on"),
    ("dana", "relay on"),
    ("dana", "say See you Thursday"),
    ("mia", "pairs"),
    ("mia", "profile"),
    ("mia", "help"),
    ("mia", "help checkin"),
    ("mia", "chekin"),
    ("mia", "pause 2 weeks"),
    ("mia", "resume"),
    ("cora", "status prog"),
    ("cora", "health prog"),
    ("cora", "export prog"),
    ("cora", "match prog"),
    ("cora", "programs"),
    ("olga", 'start "Olga Ivanova" Europe/Warsaw en'),
    ("olga", "programs"),
    ("olga", "enroll nope mentee"),
    ("olga", "timezone Mars/Olympus"),
    ("mia", "agreement"),
    ("mia", "goals"),
    ("mia", "goal_share 1"),
    ("mia", "goal_progress 1 50"),
    ("mia", "goal_done 1"),
    ("mia", "note Practised the portfolio review"),
    ("mia", "notes"),
    ("dana", "brief"),
    ("mia", "checkins"),
    ("mia", "connections"),
    ("mia", "privacy"),
    ("mia", "my_data"),
    ("mia", "connect"),
    ("cora", "program prog"),
    ("cora", "configure prog cadence banana"),
    ("cora", "configure prog meeting 1000"),
    ("cora", "review prog"),
    ("cora", "suggest prog"),
    ("cora", "announce prog Welcome everyone"),
    ("cora", "dashboard prog"),
    ("cora", "assign prog mia_sousa erik_lund"),
    ("erik", "decline 1"),
    ("mia", "pause 1999-01-01"),
    ("mia", "block @erik_lund"),
    ("mia", "unblock @erik_lund"),
    ("olga", "mentors prog"),
    ("olga", "leave prog"),
    ("mia", "end"),
    ("mia", "It went well"),
    ("mia", "#1"),
    ("mia", "feedback"),
    ("mia", "language"),
)


@pytest.fixture
async def everything_said(app: Mentorhub, monkeypatch: pytest.MonkeyPatch) -> list[Reply]:
    """Every reply and notice of :data:`SCRIPT`, each as its reader reads it."""
    said: list[Reply] = []

    def keep(reply: Reply, **options: Any) -> str:
        said.append(reply)
        return console_render(reply, **options)

    monkeypatch.setattr(console_adapter, "render", keep)
    session = ConsoleSession(app)
    session.console.locale = PSEUDO  # as if each person's app were set to it
    for user, line in SCRIPT:
        await session.say(user, line)
    return said


def visible(value: Any, key: str = "") -> Iterator[str]:
    """The strings a person sees in a rendered message (labels, texts, embeds…)."""
    if isinstance(value, str):
        if key in VISIBLE_KEYS:
            yield value
    elif isinstance(value, dict):
        for name, inner in value.items():
            yield from visible(inner, str(name))
    elif isinstance(value, list | tuple):
        for inner in value:
            yield from visible(inner, key)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for found in dataclasses.fields(value):
            yield from visible(getattr(value, found.name), found.name)
    elif hasattr(value, "to_dict"):
        yield from visible(value.to_dict(), key)


def left_in_english(text: str) -> list[str]:
    while _MARKED.search(text):
        text = _MARKED.sub(" ", text)
    text = _NOISE.sub(" ", _COMMANDS.sub(" ", text))
    text = _CONTENT.sub(" ", text)
    return _WORD.findall(text)


RENDERERS: dict[str, Callable[[Reply], Any]] = {
    "console": lambda reply: console_render(reply),
    "telegram": lambda reply: telegram_render(reply),
    "slack": lambda reply: slack_render(reply),
    "discord": lambda reply: discord_render(reply, answer_button=True),
}


@pytest.mark.parametrize("messenger", sorted(RENDERERS))
async def test_nothing_escapes_translation(everything_said: list[Reply], messenger: str) -> None:
    assert len(everything_said) > 60  # the script was played through
    render = RENDERERS[messenger]
    escaped: dict[str, str] = {}
    for reply in everything_said:
        # an export's file is for spreadsheets: its column names are a format, not words
        rendered = render(dataclasses.replace(reply, attachment=None))
        for text in [rendered] if isinstance(rendered, str) else visible(rendered):
            for word in left_in_english(text):
                escaped.setdefault(word, text[:160])
    shown = "\n".join(f"{word!r} in {seen!r}" for word, seen in sorted(escaped.items()))
    assert not escaped, f"{len(escaped)} word(s) not translated on {messenger}:\n{shown}"
