"""How a messenger joins mentorhub: one declaration per messenger package.

A messenger package (``adapters/<name>/``) exports ``MESSENGER``, a :class:`MessengerKind`:
its platform key, its config section (a frozen dataclass whose defaults are the
documented defaults), which environment variables it needs, how its sends are paced,
and a factory that builds the running messenger. The composition root lists the
packages once (``bots/messengers.py``), validates each section, builds the enabled ones
with the same :class:`MessengerDeps` and hands them the one pacer. Core names no
messenger: everything specific to one lives in its package.

The package's ``__init__`` must not import the messenger's SDK: configuration is checked
(``mentorhub check-config``) without it; the factory imports it when it is enabled.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Generic, TextIO, TypeVar

from core.identity import Platform
from core.pacing import Pacer, PlatformPacing

if TYPE_CHECKING:
    from core.delivery import Messenger
    from core.hub import Hub

S = TypeVar("S")
N = TypeVar("N", int, float)


@dataclass(frozen=True, slots=True)
class Bounds:
    """The range a numeric setting must fall in, checked when the config is loaded."""

    low: float
    high: float | None = None
    unit: str = ""

    def problem(self, name: str, value: float) -> str | None:
        """What is wrong with ``value`` for the setting ``name``, or None."""
        if self.low <= value and (self.high is None or value <= self.high):
            return None
        unit = f" {self.unit}" if self.unit else ""
        allowed = (
            f"at least {self.low:g}{unit}"
            if self.high is None
            else f"from {self.low:g} to {self.high:g}{unit}"
        )
        return f"'{name}' must be {allowed}; got {value!r}."


def bounded(default: N, low: N, high: N | None = None, *, unit: str = "") -> N:
    """A settings field whose value must lie in ``[low, high]`` (``unit`` names it in the
    message): ``poll_seconds: float = bounded(5.0, 0.1, unit="seconds")``."""
    return field(default=default, metadata={"bounds": Bounds(low, high, unit)})


class Secret:
    """A secret value that never shows itself in logs, reprs or tracebacks."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__


@dataclass(frozen=True, slots=True)
class Terminal:
    """The process's own input and output, for a messenger that talks in a terminal."""

    lines: AsyncIterator[str] | None
    out: TextIO
    interactive: bool = False


@dataclass(frozen=True, slots=True)
class MessengerDeps:
    """What every messenger is built with. ``secret(env_name)`` reads a secret named by
    the config; ``deliver_now`` does at once what is due and delivers the outbox (the
    console prints notices right after each line); ``terminal`` is None unless the
    process has one to lend; ``pass_time(delta)`` moves a manual clock, doing on the way
    everything time-driven at its own moment (None: the clock is the system's)."""

    hub: Hub
    pacer: Pacer
    secret: Callable[[str], Secret]
    deliver_now: Callable[[], Awaitable[object]]
    terminal: Terminal | None = None
    pass_time: Callable[[timedelta], Awaitable[datetime]] | None = None


def _no_problems(settings: Any) -> Sequence[str]:
    return ()


def _no_notes(settings: Any) -> Sequence[str]:
    return ()


def _no_secrets(settings: Any) -> Sequence[tuple[str, str]]:
    return ()


def _enabled_flag(settings: Any, others_enabled: bool) -> bool:
    return bool(getattr(settings, "enabled", False))


@dataclass(frozen=True, slots=True)
class MessengerKind(Generic[S]):
    """One messenger's declaration.

    ``section``: its table in the config file, parsed into ``settings`` (a dataclass).
    ``secrets(settings)``: ``(key, environment variable)`` pairs that must be set when it
    is enabled (the key names the setting that named the variable, for the message).
    ``problems(settings)``: what else is wrong with an enabled section, each with what to
    fix. ``notes(settings)``: what is worth knowing about an enabled section that is not
    wrong, but may not do what was meant (``check-config`` shows them, start-up logs
    them). ``enabled(settings, others_enabled)``: whether to run it (most read their
    ``enabled`` key). ``pacing(settings)``: how its sends are paced, under the platform's
    limits. ``build(settings, deps)``: the running messenger.
    """

    platform: Platform
    section: str
    settings: type[S]
    build: Callable[[S, MessengerDeps], Messenger]
    pacing: Callable[[S], PlatformPacing]
    secrets: Callable[[S], Sequence[tuple[str, str]]] = _no_secrets
    problems: Callable[[S], Sequence[str]] = _no_problems
    notes: Callable[[S], Sequence[str]] = _no_notes
    enabled: Callable[[S, bool], bool] = _enabled_flag
    spaces_have_channels: bool = False
    # What its users call a shared space where it has channels inside ("server",
    # "workspace"); elsewhere a shared space is a "group".
    space_name: str = "group"
