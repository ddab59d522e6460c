"""The messengers mentorhub knows: one line per messenger package.

Each package declares itself (``MESSENGER``, a :class:`core.messengers.MessengerKind`);
its SDK is imported only when it is enabled. Adding a messenger is adding its package
and one line here (see README, "Adding a messenger").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from importlib import import_module
from typing import Any

from core.identity import Platform
from core.messengers import MessengerKind
from core.pacing import PlatformPacing

PACKAGES: tuple[str, ...] = (
    "adapters.console",
    "adapters.telegram",
    "adapters.slack",
    "adapters.discord",
)


@cache
def messenger_kinds() -> Sequence[MessengerKind[Any]]:
    """The declared messengers, in the order of :data:`PACKAGES`."""
    kinds: list[MessengerKind[Any]] = []
    for package in PACKAGES:
        kind = getattr(import_module(package), "MESSENGER", None)
        if not isinstance(kind, MessengerKind):
            raise TypeError(f"{package} declares no MESSENGER (a core.messengers.MessengerKind)")
        kinds.append(kind)
    return tuple(kinds)


def pacing_rules(sections: Mapping[str, Any] | None = None) -> dict[Platform, PlatformPacing]:
    """Each declared messenger's pacing, from its config section in ``sections`` (by
    section name) or its defaults. Every messenger is paced, enabled or not: an account
    of a messenger that is off today may still have a row in the outbox."""
    given = sections or {}
    rules: dict[Platform, PlatformPacing] = {}
    for kind in messenger_kinds():
        section = given.get(kind.section)
        rules[kind.platform] = kind.pacing(section if section is not None else kind.settings())
    return rules
