"""How dates and cadences read in messages, wherever they are written."""

from __future__ import annotations

from datetime import date


def fmt_day(day: date) -> str:
    return f"{day:%a %d %b %Y}"


def counted(count: int, noun: str) -> str:
    """'1 period', '2 periods': a count with its noun (nouns taking a plain -s)."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def cadence_label(days: int) -> str:
    names = {7: "weekly", 14: "every two weeks", 30: "monthly"}
    return names.get(days, f"every {days} days")
