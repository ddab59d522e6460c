"""How dates, counts and cadences read in messages, wherever they are written."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from core.i18n import _, day, n_, p_
from core.model import Mode


def fmt_day(value: date) -> str:
    """A calendar day as its reader writes one: 'Tue 10 Mar 2026', 'Di., 10. März 2026'.
    A day is no instant: it reads the same on every clock (see :func:`core.i18n.day`)."""
    return day(value)


# Counts of the nouns that messages say "N <noun>" of: one message per noun, because
# how a noun follows a number differs by language (1 день, 2 дня, 5 дней).
_COUNTED: dict[str, Callable[[int], str]] = {
    "day": lambda count: n_("{count} day", "{count} days", count),
    "week": lambda count: n_("{count} week", "{count} weeks", count),
    "period": lambda count: n_("{count} period", "{count} periods", count),
    "pair": lambda count: n_("{count} pair", "{count} pairs", count),
    "open pair": lambda count: n_("{count} open pair", "{count} open pairs", count),
    "program": lambda count: n_("{count} program", "{count} programs", count),
    "person": lambda count: n_("{count} person", "{count} people", count),
    "request": lambda count: n_("{count} request", "{count} requests", count),
    "message": lambda count: n_("{count} message", "{count} messages", count),
}


def counted(count: int, noun: str) -> str:
    """'1 period', '2 periods': a count with its noun, as a message. ``noun`` is one of
    the nouns above (singular English, the key); a sentence whose other words depend on
    the number should be its own ``n_`` message instead."""
    try:
        return _COUNTED[noun](count)
    except KeyError:
        raise ValueError(f"no counted message for {noun!r}: add one to _COUNTED") from None


def cadence_label(days: int) -> str:
    """How often check-ins come: 'weekly', 'every two weeks', 'monthly', 'every 10 days'."""
    if days == 7:
        # Translators: how often check-ins come, e.g. in "Check-ins: weekly".
        return _("weekly")
    if days == 14:
        # Translators: how often check-ins come, e.g. in "Check-ins: every two weeks".
        return _("every two weeks")
    if days == 30:
        # Translators: how often check-ins come, e.g. in "Check-ins: monthly".
        return _("monthly")
    # Translators: how often check-ins come, e.g. in "Check-ins: every 10 days".
    return n_("every {count} day", "every {count} days", days)


def mode_label(mode: Mode) -> str:
    """How a pair talks, as people read it (the value stays as stored)."""
    return _MODES[mode]


_MODES = {
    # Translators: how a pair talks: written check-ins in chat, whenever suits each.
    Mode.ASYNC: p_("how a pair talks", "async"),
    Mode.CHAT: p_("how a pair talks", "chat"),
    Mode.CALL: p_("how a pair talks", "call"),
}
