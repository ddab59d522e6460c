"""Command references in what the bot says, written the way each messenger's users type them.

Core names something to type in backticks, in console form: "send `enroll design-26
mentee`", "add `pair=<number>`". Each messenger writes those spans its own way, from the
registry, when it renders a reply (:class:`NativeCommands`): as written (the console),
``/enroll design-26 mentee`` (a command per verb), ``/mentor enroll design-26 mentee``
(one slash command, the verb its first word), or ``/mentor enroll program:design-26
role:mentee`` (subcommands with options); each adapter supplies its :class:`CommandSyntax`.

A span is read against the command it names: positional words fill its arguments in
order, ``name=value`` sets one by name, and placeholders as :meth:`CommandSpec.usage`
writes them (``<program>``, ``[pair=…]``) stand for the argument they name. A span that
names no command but sets one argument (`pair=3`) is an option; anything else stays code.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from core.messages import Field, Reply
from core.registry import Arg, CommandSpec, Registry

_SPAN = re.compile(r"`([^`\n]+)`")
_WORD = re.compile(r'"[^"]*"|\S+')
_PLACEHOLDER = re.compile(r"^([<\[])(\w+)(…|=…)?([>\]])$")
_OPTION = re.compile(r"^(\w+)=(\S.*)$")


@dataclass(frozen=True, slots=True)
class Value:
    """One word of a command reference, with the argument it fills (None: none left)."""

    arg: Arg | None
    text: str  # as written, quotes and all
    placeholder: bool = False  # `<program>`: stands for the argument, not a value
    by_name: bool = False  # written `name=value`

    @property
    def unquoted(self) -> str:
        quoted = len(self.text) >= 2 and self.text[0] == self.text[-1] == '"'
        return self.text[1:-1] if quoted else self.text

    @property
    def optional(self) -> bool:
        return self.arg is not None and not self.arg.required


class CommandSyntax(Protocol):
    """How one messenger's users type a command and set an argument."""

    def command(self, spec: CommandSpec, verb: str, values: Sequence[Value]) -> str:
        """``values`` are what the span gave, in its order; ``verb`` as it was written
        (a name or an alias)."""
        ...

    def option(self, name: str, value: str) -> str:
        """One argument set on its own, as in "add `pair=3`"."""
        ...


def bind(spec: CommandSpec, words: Sequence[str]) -> list[Value]:
    """Which argument each word of a reference fills (see the module's docstring)."""
    by_name = {arg.name: arg for arg in spec.args}
    named = {name for word in words if (name := _named(word)) in by_name}
    free = [arg for arg in spec.args if arg.name not in named and not arg.named_only]
    values: list[Value] = []
    rest: list[str] = []  # the words of an argument that takes the rest of the line
    rest_at, verbatim = -1, False
    for word in words:
        name = _named(word)
        # As the parser reads it: only a verbatim rest keeps a `name=value` inside it
        if rest and (verbatim or name not in by_name):
            rest.append(word)
            continue
        if name is not None and name in by_name:
            stands_for = _PLACEHOLDER.match(word) is not None
            text = word if stands_for else word.partition("=")[2]
            values.append(Value(by_name[name], text, placeholder=stands_for, by_name=True))
            continue
        placeholder = _PLACEHOLDER.match(word)
        if placeholder and placeholder[2] in by_name:
            arg = by_name[placeholder[2]]
            free = [a for a in free if a is not arg]
            values.append(Value(arg, word, placeholder=True))
            continue
        target = free.pop(0) if free else None
        if target is not None and target.rest:
            rest.append(word)
            rest_at, verbatim = len(values), target.verbatim
        values.append(Value(target, word))
    if rest:
        values[rest_at] = replace(values[rest_at], text=" ".join(rest))
    return values


def _named(word: str) -> str | None:
    """The argument a ``name=value`` or ``[name=…]`` word sets by name, if it is one."""
    placeholder = _PLACEHOLDER.match(word)
    if placeholder:
        return placeholder[2] if placeholder[3] == "=…" else None
    found = _OPTION.match(word)
    return found[1] if found else None


@dataclass(frozen=True, slots=True)
class NativeCommands:
    """Writes core's command references for one messenger."""

    registry: Registry
    syntax: CommandSyntax

    def span(self, inner: str) -> str | None:
        """The text of one backticked span as this messenger's users type it, or None
        when it names no command and sets no argument (plain code, left as it is)."""
        words = _WORD.findall(inner)
        if not words:
            return None
        spec = self.registry.get(words[0].lstrip("/"))
        if spec is not None:
            return self.syntax.command(spec, words[0].lstrip("/").lower(), bind(spec, words[1:]))
        option = _OPTION.match(inner.strip())
        if len(words) == 1 and option:
            return self.syntax.option(option[1], option[2])
        return None

    def text(self, text: str) -> str:
        """``text`` with every command reference written natively, still in backticks."""
        if "`" not in text:
            return text

        def write(found: re.Match[str]) -> str:
            written = self.span(found[1])
            return found[0] if written is None else f"`{written}`"

        return _SPAN.sub(write, text)

    def reply(self, reply: Reply) -> Reply:
        """``reply`` with its text, title and field values written natively (its messages
        written out first: a command's backticks are read in the reader's words)."""
        reply = reply.translated()
        if not _has_span(reply):
            return reply
        return replace(
            reply,
            text=self.text(reply.text),
            title=self.text(reply.title) if reply.title else reply.title,
            fields=tuple(Field(f.label, self.text(f.value)) for f in reply.fields),
        )


def _has_span(reply: Reply) -> bool:
    return any("`" in part for part in (reply.text, reply.title or "")) or any(
        "`" in f.value for f in reply.fields
    )


class ConsoleSyntax:
    """The console's (and core's) own form: `verb words`."""

    def command(self, spec: CommandSpec, verb: str, values: Sequence[Value]) -> str:
        return " ".join([verb, *(_as_written(v) for v in values)])

    def option(self, name: str, value: str) -> str:
        return f"{name}={value}"


class PrefixedSyntax:
    """A prefix before the words: ``/verb …`` where each verb is a command, or
    ``/mentor verb …`` where one command takes the verb as its first word."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def command(self, spec: CommandSpec, verb: str, values: Sequence[Value]) -> str:
        return self.prefix + ConsoleSyntax().command(spec, verb, values)

    def option(self, name: str, value: str) -> str:
        return f"{name}={value}"


def _as_written(value: Value) -> str:
    if value.by_name and value.arg is not None and not value.placeholder:
        return f"{value.arg.name}={value.text}"
    return value.text
