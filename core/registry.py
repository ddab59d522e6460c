"""The command registry: each command is declared once here; every face is generated from it.

Each messenger shows a command its own way (a slash command with the verb as its
argument, a command per verb, a subcommand with typed options; the console as
``<verb> …``). Help text, argument parsing and validation all come from the same
:class:`CommandSpec`.

A spec's summary, details, group and each argument's help are declared with ``N_`` and
shown with ``said``: in the reader's language. Verbs, argument names and examples are
typed, so they stay as they are.
"""

from __future__ import annotations

import difflib
import re
import shlex
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from core.errors import InvalidInput
from core.i18n import N_, _, said
from core.text import clean_date, clean_text, clean_timezone

if TYPE_CHECKING:
    from core.context import Context
    from core.messages import Outcome
    from core.model import Program

VERB_RE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")  # every messenger's command-name rules, intersected
SUMMARY_MAX = 100  # the shortest limit on a command's description among the messengers
ECHOED_MAX = 20  # of a typed value quoted back in an error: the reply stays short


class Access(StrEnum):
    ANYONE = "anyone"  # works before registration too
    REGISTERED = "registered"
    COORDINATOR = "coordinator"  # of the program named by the spec's ``program_arg``


class ArgKind(StrEnum):
    WORD = "word"
    TEXT = "text"
    INT = "int"
    TIMEZONE = "timezone"
    DATE = "date"
    PERSON = "person"  # a handle, with or without @
    PROGRAM = "program"  # a program's short name
    CHOICE = "choice"


@dataclass(frozen=True, slots=True)
class Arg:
    name: str
    kind: ArgKind
    help: str
    required: bool = True
    rest: bool = False  # takes the rest of the line (only the last positional)
    verbatim: bool = False  # a rest taken as typed: quotes and apostrophes kept
    named_only: bool = False  # set only as name=value, so it never swallows a positional
    choices: tuple[str, ...] = ()
    low: int = 0
    high: int = 10_000
    max_len: int = 300

    def convert(self, raw: str) -> object:
        what = self.name.replace("_", " ")
        if self.kind is ArgKind.INT:
            return self._whole_number(raw, what)
        if self.kind is ArgKind.TIMEZONE:
            clean_timezone(raw)  # refused here, with suggestions, if it names no zone
            return raw.strip()  # as typed: the handler says which zone it read it as
        if self.kind is ArgKind.DATE:
            return clean_date(raw)
        if self.kind is ArgKind.CHOICE:
            value = raw.strip().lower()
            if value not in self.choices:
                raise InvalidInput(
                    _("'{typed}' is not a valid {what}.", typed=raw[:30], what=what),
                    hint=_("Choose one of: {choices}.", choices=", ".join(self.choices)),
                )
            return value
        if self.kind in (ArgKind.PERSON, ArgKind.PROGRAM, ArgKind.WORD):
            value = raw.strip().lstrip("@").lower() if self.kind is ArgKind.PERSON else raw.strip()
            return clean_text(value, what=what, limit=64)
        return clean_text(raw, what=what, limit=self.max_len)

    def _whole_number(self, raw: str, what: str) -> int:
        typed = raw.strip()
        try:
            number = int(typed)
        except ValueError:
            raise InvalidInput(
                _(
                    "The {what} must be a whole number from {low} to {high}.",
                    what=what,
                    low=self.low,
                    high=self.high,
                )
            ) from None
        if not self.low <= number <= self.high:
            raise InvalidInput(
                _(
                    "The {what} must be from {low} to {high}; you wrote {typed}.",
                    what=what,
                    low=self.low,
                    high=self.high,
                    typed=echoed(typed),
                )
            )
        return number


def echoed(typed: str) -> str:
    """What a person typed, quoted back in an error: its start when it is long."""
    return typed if len(typed) <= ECHOED_MAX else f"{typed[:ECHOED_MAX]}…"


CommandHandler = Callable[["Context", Mapping[str, Any]], Awaitable["Outcome"]]
ProgramHandler = Callable[["Context", Mapping[str, Any], "Program"], Awaitable["Outcome"]]


@dataclass(frozen=True, slots=True)
class ForCoordinators:
    """The handler of a coordinator command. The hub runs it only once the coordinator
    guard has found the program named by the spec's ``program_arg`` and checked that the
    actor coordinates it, and hands it that program."""

    handler: ProgramHandler


# What a command may ask the platform about its actor (see CommandSpec.platform_facts).
MANAGES_HERE = "can_manage_here"
IS_ADMIN = "is_admin"
PLATFORM_FACTS = frozenset({MANAGES_HERE, IS_ADMIN})


def bare(args: str) -> bool:
    """For ``CommandSpec.reads_when``: the command given no arguments."""
    return not args.strip()


@dataclass(frozen=True, slots=True)
class CommandSpec:
    name: str
    summary: str
    handler: CommandHandler | ForCoordinators
    args: tuple[Arg, ...] = ()
    access: Access = Access.REGISTERED
    program_arg: str | None = None  # the arg naming the program a coordinator must run
    examples: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    group: str = N_("General")
    hidden: bool = False  # reachable (e.g. from buttons) but not listed in help/menus
    details: tuple[str, ...] = ()  # more lines for `help <command>`: formats and units
    # Only reads: runs in a read-only unit of work, never queued behind writers (status,
    # export: long reads of a whole program). Such a command must not change anything.
    reads_only: bool = False
    # Only reads when given these arguments (the text after the verb): `profile` shows,
    # `profile timezone …` changes. Those forms run as ``reads_only`` does, so looking
    # never waits behind writers.
    reads_when: Callable[[str], bool] | None = None
    # A read of a whole program (status, export, suggest): long reads run one at a time, so
    # however many coordinators ask at once, everyone else's commands keep their turn.
    whole_program: bool = False
    # What the adapter must ask the platform about the actor where they spoke before
    # handing this command over (UserRef's fields: MANAGES_HERE, IS_ADMIN): on some
    # messengers that costs a call, so only the commands that decide on it ask.
    platform_facts: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if not self.platform_facts <= PLATFORM_FACTS:
            raise ValueError(f"{self.name!r}: unknown platform facts {self.platform_facts}")
        for verb in (self.name, *self.aliases):
            if not VERB_RE.match(verb):
                raise ValueError(f"command name {verb!r} is not valid on every messenger")
        if len(self.summary) > SUMMARY_MAX:
            raise ValueError(f"summary of {self.name!r} exceeds {SUMMARY_MAX} characters")
        if self.access is Access.COORDINATOR and self.program_arg is None:
            raise ValueError(f"coordinator command {self.name!r} must name its program_arg")
        if (self.access is Access.COORDINATOR) != isinstance(self.handler, ForCoordinators):
            raise ValueError(
                f"{self.name!r}: coordinator commands, and only they, take ForCoordinators"
            )
        rests = [a for a in self.args if a.rest]
        if rests and rests[-1] is not self.args[-1]:
            raise ValueError(f"only the last argument of {self.name!r} may take the rest")
        if any(a.verbatim and not a.rest for a in self.args):
            raise ValueError(f"a verbatim argument of {self.name!r} must take the rest")

    def usage(self) -> str:
        parts = [self.name]
        for arg in self.args:
            label = f"<{arg.name}{'…' if arg.rest else ''}>"
            if arg.named_only:
                label = f"<{arg.name}=…>"
            parts.append(label if arg.required else f"[{label[1:-1]}]")
        return " ".join(parts)

    def parse(self, text: str) -> dict[str, Any]:
        """Parse ``text`` (everything after the verb) into converted argument values.

        Positional values fill arguments in order; ``name=value`` sets one by name; quotes
        group words. The last argument may take the rest of the line.
        """
        tokens, verbatim = self._split(text)
        by_name = {a.name: a for a in self.args}
        values: dict[str, Any] = {}
        positional: list[str] = []
        for token in tokens:
            key, sep, value = token.partition("=")
            if sep and key in by_name:
                values[key] = by_name[key].convert(value)
            else:
                positional.append(token)
        if verbatim:
            positional.append(verbatim)
        free = [a for a in self.args if a.name not in values and not a.named_only]
        for arg in free:
            if not positional:
                break
            if arg.rest:
                values[arg.name] = arg.convert(" ".join(positional))
                positional = []
            else:
                values[arg.name] = arg.convert(positional.pop(0))
        if positional:
            raise InvalidInput(
                _(
                    "Too many values for {command}: {extra}",
                    command=self.name,
                    extra=" ".join(positional)[:60],
                ),
                hint=_("Usage: {usage}", usage=self.usage()),
            )
        missing = [a.name for a in self.args if a.required and a.name not in values]
        if missing:
            raise InvalidInput(
                _("{command} needs: {arguments}.", command=self.name, arguments=", ".join(missing)),
                hint=_("Usage: {usage}", usage=self.usage()),
            )
        return values

    def _split(self, text: str) -> tuple[list[str], str]:
        """Words to parse, and the verbatim rest (if the last argument takes one).

        Quoting is for argument lists, not for prose: the positional words before a
        verbatim rest, and ``name=value`` options before it, are read as words; the rest
        is kept as typed, so "Don't" or "O'Brien" in it is no open quote. A rest wrapped
        whole in one pair of quotes is unwrapped. A rest given by name (``message=…``, as
        typed options arrive) is parsed like any other argument.
        """
        last = self.args[-1] if self.args else None
        if last is None or not last.verbatim:
            return split_words(text), ""
        if any(word.startswith(f"{last.name}=") for word in text.split()):
            return split_words(text), ""
        before = {a.name: a for a in self.args[:-1]}
        positional = [a.name for a in self.args[:-1] if not a.named_only]
        words: list[str] = []
        rest = text.strip()
        while rest:
            word, *after = rest.split(None, 1)
            key, by_name, __ = word.partition("=")
            if by_name and key in before:
                if key in positional:
                    positional.remove(key)
            elif positional:
                positional.pop(0)
            else:
                break
            words.append(word)
            rest = after[0] if after else ""
        return split_words(" ".join(words)), _unwrapped(rest)

    def help_text(self) -> str:
        """`help <command>`: usage, summary, each argument, details, aliases, examples."""
        lines = [f"`{self.usage()}` — {said(self.summary)}"]
        for arg in self.args:
            if arg.required:
                line = _("{argument}: {help}.", argument=arg.name, help=said(arg.help))
            else:
                line = _("{argument} (optional): {help}.", argument=arg.name, help=said(arg.help))
            if arg.choices:
                one_of = _("One of: {choices}.", choices=", ".join(arg.choices))
                line = f"{line} {one_of}"
            lines.append(f"  {line}")
        lines.extend(f"    {said(detail)}" for detail in self.details)
        if self.aliases:
            lines.append("  " + _("Also: {aliases}", aliases=", ".join(self.aliases)))
        lines.extend("  " + _("e.g. `{example}`", example=example) for example in self.examples)
        return "\n".join(lines)


def split_words(text: str) -> list[str]:
    normalized = text.translate(_SMART_QUOTES)
    try:
        return shlex.split(normalized)
    except ValueError as exc:
        raise InvalidInput(
            _("There's an unclosed quote in that command."),
            hint=_('Put quotes around text with spaces, like: "Alice Smith".'),
        ) from exc


def _unwrapped(prose: str) -> str:
    """Prose typed inside one pair of quotes, without them."""
    normalized = prose.translate(_SMART_QUOTES)
    quote, inside = normalized[:1], normalized[1:-1]
    if len(normalized) >= 2 and quote in "\"'" and normalized[-1] == quote and quote not in inside:
        return prose[1:-1]
    return prose


_SMART_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'"})


@dataclass(slots=True)
class Registry:
    _commands: dict[str, CommandSpec] = field(default_factory=dict)
    _aliases: dict[str, str] = field(default_factory=dict)

    def add(self, spec: CommandSpec) -> CommandSpec:
        for verb in (spec.name, *spec.aliases):
            if verb in self._commands or verb in self._aliases:
                raise ValueError(f"command {verb!r} declared twice")
        self._commands[spec.name] = spec
        for alias in spec.aliases:
            self._aliases[alias] = spec.name
        return spec

    def extend(self, specs: Iterable[CommandSpec]) -> None:
        for spec in specs:
            self.add(spec)

    def get(self, verb: str) -> CommandSpec | None:
        verb = verb.lower()
        return self._commands.get(self._aliases.get(verb, verb))

    def all(self, *, include_hidden: bool = False) -> list[CommandSpec]:
        return [s for s in self._commands.values() if include_hidden or not s.hidden]

    def suggest(self, verb: str) -> list[str]:
        names = [*self._commands, *self._aliases]
        return difflib.get_close_matches(verb.lower(), names, n=3, cutoff=0.6)

    def overview(self, *, registered: bool, coordinator: bool) -> str:
        """The commands this person can use, a line per group: short enough to read in a
        chat (each messenger writes the names its way); `help <command>` says the rest."""
        groups: dict[str, list[str]] = {}
        for spec in self.all():
            if spec.access is Access.COORDINATOR and not coordinator:
                continue
            if spec.access is not Access.ANYONE and not registered:
                continue
            groups.setdefault(spec.group, []).append(f"`{spec.name}`")
        lines = [f"{said(group)}: {', '.join(names)}" for group, names in groups.items()]
        if registered:
            first = _("Send `pairs` to see your mentoring, `programs` to find a program.")
        else:
            first = _("Send `start` to register; then `programs` shows what you can join.")
        example = "help start" if not registered else "help checkin"
        more = _("Send `help <command>` for one in detail, e.g. `{example}`.", example=example)
        return "\n".join([first, "", *lines, "", more])
