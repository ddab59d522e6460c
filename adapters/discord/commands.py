"""The ``/mentor`` application commands, generated from the core registry. Pure.

Why raw JSON and not discord.py's ``CommandTree``: the tree builds commands from Python
function signatures, so generating them from data means synthesising signatures; it also
refuses interactions whose options differ from the local definition (a stale registration
after an upgrade becomes "the application did not respond"). Instead we build the
command JSON ourselves (one pure function, tested against the registry), register it with
the same bulk PUT the tree's ``sync()`` uses, and read every interaction in one
``on_interaction`` handler that turns options back into argument text for core's parser.
Core stays the only place that validates arguments, with its own friendly errors.

Layout: one ``/mentor`` command with a subcommand per visible registry command while they
fit Discord's 25 subcommands. Beyond that, commands are spread by their registry group:
``/mentor`` (getting started, programs, pairing), ``/mentor-pair`` (the relationship:
agreement, check-ins, goals and notes, pause and end) and ``/mentor-admin``
(coordinators). A group that still overflows is a programming error, caught by a test
against the live registry, never a silently missing command.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any
from zoneinfo import available_timezones

from core.i18n import ENGLISH, N_, said, translate
from core.registry import Access, Arg, ArgKind, CommandSpec
from core.syntax import ConsoleSyntax, Value
from core.text import likely_timezones

log = logging.getLogger(__name__)

MAIN_COMMAND = "mentor"
PAIR_COMMAND = "mentor-pair"
ADMIN_COMMAND = "mentor-admin"
MAIN_DESCRIPTION = N_("mentorhub: mentoring programs, pairs and check-ins")
DESCRIPTIONS = {
    MAIN_COMMAND: MAIN_DESCRIPTION,
    PAIR_COMMAND: N_("mentorhub: your pair's agreement, check-ins, goals, notes, pause and end"),
    ADMIN_COMMAND: N_("mentorhub: run a mentoring program (coordinators)"),
}
# Our languages as Discord names its locales (a client set to one of them shows the
# commands' descriptions in it; the names stay: commands are typed the same everywhere).
DISCORD_LOCALES: dict[str, tuple[str, ...]] = {
    "de": ("de",),
    "es": ("es-ES", "es-419"),
    "pt-BR": ("pt-BR",),
    "ru": ("ru",),
}
_PAIR_GROUPS = frozenset({"Agreement", "Check-ins", "Goals and notes", "Your mentoring"})

SUB_COMMAND = 1
STRING = 3
INTEGER = 4

CHAT_INPUT = 1
CONTEXT_GUILD = 0
CONTEXT_BOT_DM = 1
GUILD_INSTALL = 0

DESCRIPTION_LIMIT = 100
MAX_SUBCOMMANDS = 25
MAX_OPTIONS = 25
MAX_CHOICES = 25
CHOICE_LIMIT = 100  # name and value of one autocomplete/choice entry
COMMAND_SIZE_LIMIT = 8000  # names + descriptions + choice names/values of one command
SHORT_TEXT_MAX_LENGTH = 64  # core.registry.Arg.convert limits words, people, programs
INT_LIMIT = 2**53  # Discord integer options are doubles

_NAME_RE = re.compile(r"^[-_\w]{1,32}$")


def layout(specs: Iterable[CommandSpec]) -> dict[str, list[CommandSpec]]:
    """Top-level command name -> its subcommands, in registry order."""
    visible = [s for s in specs if not s.hidden]
    if len(visible) <= MAX_SUBCOMMANDS:
        return {MAIN_COMMAND: visible} if visible else {}
    groups: dict[str, list[CommandSpec]] = {MAIN_COMMAND: [], PAIR_COMMAND: [], ADMIN_COMMAND: []}
    for spec in visible:
        groups[home_of(spec)].append(spec)
    for name, members in groups.items():
        if len(members) > MAX_SUBCOMMANDS:
            raise ValueError(
                f"/{name} would have {len(members)} subcommands; Discord allows "
                f"{MAX_SUBCOMMANDS}. Give some registry commands another group."
            )
    return {name: members for name, members in groups.items() if members}


def home_of(spec: CommandSpec) -> str:
    if spec.access is Access.COORDINATOR:
        return ADMIN_COMMAND
    return PAIR_COMMAND if spec.group in _PAIR_GROUPS else MAIN_COMMAND


def command_payloads(specs: Iterable[CommandSpec], *, global_scope: bool) -> list[dict[str, Any]]:
    """The JSON array for PUT /applications/{app}/(guilds/{guild}/)commands.

    Global commands also work in the bot's DMs (``contexts`` guild + bot DM); guild
    commands exist only in their guild and take no ``contexts``.
    """
    payloads = []
    for name, members in layout(specs).items():
        command: dict[str, Any] = {
            "type": CHAT_INPUT,
            "name": name,
            "description": _description(DESCRIPTIONS[name], name),
            "options": [subcommand_payload(spec) for spec in members],
        }
        _localize(command, DESCRIPTIONS[name], name)
        if global_scope:
            command["contexts"] = [CONTEXT_GUILD, CONTEXT_BOT_DM]
            command["integration_types"] = [GUILD_INSTALL]
        payloads.append(command)
    return payloads


def subcommand_payload(spec: CommandSpec) -> dict[str, Any]:
    _check_name(spec.name, f"command {spec.name!r}")
    if len(spec.args) > MAX_OPTIONS:
        raise ValueError(f"command {spec.name!r} has more than {MAX_OPTIONS} arguments")
    # Discord wants required options first; our text is by name, so order is free.
    ordered = [a for a in spec.args if a.required] + [a for a in spec.args if not a.required]
    payload: dict[str, Any] = {
        "type": SUB_COMMAND,
        "name": spec.name,
        "description": _description(spec.summary, spec.name),
    }
    _localize(payload, spec.summary, spec.name)
    if ordered:
        payload["options"] = [option_payload(arg) for arg in ordered]
    return payload


def option_payload(arg: Arg) -> dict[str, Any]:
    _check_name(arg.name, f"argument {arg.name!r}")
    option: dict[str, Any] = {
        "type": STRING,
        "name": arg.name,
        "description": _description(arg.help, arg.name),
        "required": arg.required,
    }
    _localize(option, arg.help, arg.name)
    if arg.kind is ArgKind.INT:
        option["type"] = INTEGER
        option["min_value"] = max(arg.low, -INT_LIMIT)
        option["max_value"] = min(arg.high, INT_LIMIT)
    elif arg.kind is ArgKind.CHOICE and len(arg.choices) <= MAX_CHOICES:
        option["choices"] = [{"name": c, "value": c} for c in arg.choices]
    elif arg.kind in (ArgKind.TIMEZONE, ArgKind.CHOICE):
        option["autocomplete"] = True
    elif arg.kind in (ArgKind.PERSON, ArgKind.PROGRAM):
        option["max_length"] = SHORT_TEXT_MAX_LENGTH
        option["autocomplete"] = True  # answered from core data: see lookup_kind
    elif arg.kind is ArgKind.WORD:
        option["max_length"] = SHORT_TEXT_MAX_LENGTH
    elif arg.kind is ArgKind.TEXT:
        option["max_length"] = min(arg.max_len, 6000)
    return option


def check_limits(payloads: Sequence[dict[str, Any]]) -> list[str]:
    """Problems Discord would answer with 400 Invalid Form Body (empty when fine). The
    size limit holds for each locale: its descriptions where localized, else the default."""
    problems = []
    for command in payloads:
        for locale in [None, *sorted(_locales_in(command))]:
            size = _text_size(command, locale)
            if size > COMMAND_SIZE_LIMIT:
                where = f" in {locale}" if locale else ""
                problems.append(
                    f"/{command['name']} is {size} characters long{where}; Discord allows "
                    f"{COMMAND_SIZE_LIMIT}"
                )
    return problems


def _locales_in(node: Any) -> set[str]:
    if not isinstance(node, dict):
        return set()
    found = set(node.get("description_localizations") or {})
    for child in (*node.get("options", ()), *node.get("choices", ())):
        found |= _locales_in(child)
    return found


def _text_size(node: Any, locale: str | None = None) -> int:
    if isinstance(node, dict):
        description = str(node.get("description", ""))
        if locale and locale in (node.get("description_localizations") or {}):
            description = node["description_localizations"][locale]
        own = len(str(node.get("name", ""))) + len(description)
        if "value" in node:
            own += len(str(node["value"]))
        return (
            own
            + sum(_text_size(child, locale) for child in node.get("options", ()))
            + sum(_text_size(choice, locale) for choice in node.get("choices", ()))
        )
    return 0


def _localize(payload: dict[str, Any], text: str, fallback: str) -> None:
    """Add ``description_localizations``: ``text`` (a declared message) in each of our
    languages its catalog translates it into."""
    english = _description(text, fallback)
    localized = {}
    for language, locales in DISCORD_LOCALES.items():
        shown = _description(translate(said(text), language), fallback)
        if shown != english:
            localized.update(dict.fromkeys(locales, shown))
    if localized:
        payload["description_localizations"] = localized


def _description(text: str, fallback: str) -> str:
    text = translate(text, ENGLISH)
    text = " ".join(text.split()) or fallback
    return text if len(text) <= DESCRIPTION_LIMIT else text[: DESCRIPTION_LIMIT - 1] + "…"


def _check_name(name: str, what: str) -> None:
    if not _NAME_RE.match(name) or name != name.lower():
        raise ValueError(f"{what} is not a valid Discord option name")


class DiscordSyntax:
    """How Discord users type a command: its subcommand under the top-level command it
    lives in, each argument an option (``/mentor enroll program:design-26 role:mentee``).
    A command with no slash form (hidden: reached from buttons) is typed in our DM."""

    def __init__(self, specs: Iterable[CommandSpec]) -> None:
        self._homes = {
            spec.name: home for home, members in layout(specs).items() for spec in members
        }

    def command(self, spec: CommandSpec, verb: str, values: Sequence[Value]) -> str:
        home = self._homes.get(spec.name)
        if home is None:
            return ConsoleSyntax().command(spec, verb, values)
        return " ".join([f"/{home} {spec.name}", *(_option_text(value) for value in values)])

    def option(self, name: str, value: str) -> str:
        return f"{name}:{value}"


def _option_text(value: Value) -> str:
    if value.arg is None:
        return value.unquoted
    if value.placeholder:
        return f"[{value.arg.name}:…]" if value.optional else f"{value.arg.name}:…"
    return f"{value.arg.name}:{value.unquoted}"


# --- autocomplete ------------------------------------------------------------------------


@cache
def all_timezones() -> tuple[str, ...]:
    """The IANA zones core accepts by name (no posix/, right/ or Etc/ aliases)."""
    return tuple(
        sorted(
            z
            for z in available_timezones()
            if ("/" in z or z == "UTC") and not z.startswith(("posix/", "right/", "Etc/"))
        )
    )


def timezone_suggestions(typed: str, locale: str | None, limit: int = MAX_CHOICES) -> list[str]:
    """Zones for what has been typed: the locale's likely zones first, then zones whose
    city starts with it, then any zone containing it. Nothing typed: the likely ones."""
    likely = [z for z in likely_timezones(locale) if z in all_timezones()]
    query = "_".join(typed.strip().lower().split())
    if not query:
        return (likely + [z for z in ("UTC",) if z not in likely])[:limit]
    matches = [z for z in all_timezones() if query in z.lower()]
    city_first = sorted(matches, key=lambda z: not z.rsplit("/", 1)[-1].lower().startswith(query))
    ranked = [z for z in likely if z in matches] + [z for z in city_first if z not in likely]
    return ranked[:limit]


def _arg(spec: CommandSpec | None, option: str) -> Arg | None:
    return next((a for a in spec.args if a.name == option), None) if spec else None


def lookup_kind(spec: CommandSpec | None, option: str) -> ArgKind | None:
    """PROGRAM or PERSON when ``option``'s suggestions come from core data (the adapter
    asks core.lookup); None when :func:`suggestions` answers it alone."""
    arg = _arg(spec, option)
    if arg is not None and arg.kind in (ArgKind.PROGRAM, ArgKind.PERSON):
        return arg.kind
    return None


def suggestions(spec: CommandSpec | None, option: str, typed: str, locale: str | None) -> list[str]:
    """Autocomplete values for ``option`` of ``spec`` that need no data (empty when we
    have none)."""
    arg = _arg(spec, option)
    if arg is None:
        return []
    if arg.kind is ArgKind.TIMEZONE:
        return timezone_suggestions(typed, locale)
    if arg.kind is ArgKind.CHOICE:
        needle = typed.strip().lower()
        return [c for c in arg.choices if needle in c.lower()][:MAX_CHOICES]
    return []
