"""When a nudge is due: local wall-clock times made concrete, pure and deterministic.

Everything here is a function of its arguments (no clock, no randomness), so a schedule
recomputed after a change or a restart lands on exactly the same instants and upserting
it into the due table changes nothing that did not change.

The rules, in the order they apply (:func:`local_occurrence`):

1. **Wall clock in the person's IANA zone** (zoneinfo). A time that does not exist because
   the clocks spring forward (02:30 in Berlin on the last Sunday of March) moves forward to
   the first instant that exists (03:00 local, the moment of the change). A time that
   happens twice because the clocks fall back takes the first occurrence (``fold=0``,
   still summer time).
2. **Quiet hours.** ``quiet_start``/``quiet_end`` are whole local hours; the window may
   wrap midnight (21 → 8 means 21:00–07:59). A time inside it moves to ``quiet_end`` —
   the same morning when it fell after midnight, the next morning when it fell in the
   evening. ``quiet_start == quiet_end`` means no quiet hours.
3. **Jitter.** A stable offset in ``[0, jitter_max)`` derived from a SHA-256 of
   ``jitter_key`` (not Python's randomised ``hash``), so a thousand pairs of a program that
   all meet "Monday 09:00" do not hit the platform in the same second, and recomputing
   gives the same offset. Jitter only delays; if the delay would carry the time into
   quiet hours, the same offset is applied backwards instead.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

__all__ = [
    "Period",
    "in_quiet_hours",
    "jitter_for",
    "local_occurrence",
    "next_allowed",
    "period_index",
    "periods",
    "resolve_wall_time",
]


def resolve_wall_time(zone: ZoneInfo, day: date, at: time) -> datetime:
    """``day`` at ``at`` on the wall clocks of ``zone``, as an aware UTC datetime.

    Nonexistent (spring-forward gap) → the first valid instant after the gap starts;
    ambiguous (fall-back overlap) → the first occurrence.
    """
    wall = datetime.combine(day, at.replace(tzinfo=None, fold=0), tzinfo=zone)
    as_utc = wall.astimezone(UTC)
    if as_utc.astimezone(zone).replace(tzinfo=None) == wall.replace(tzinfo=None):
        return as_utc  # exists (fold=0 already picks the first of two occurrences)
    return _end_of_gap(zone, wall)


def _end_of_gap(zone: ZoneInfo, wall: datetime) -> datetime:
    """The UTC instant the clocks jumped over ``wall``: where the later offset begins.

    Reading the wall time with each offset brackets the transition; a binary search to
    the second finds it without assuming the gap is one hour (Lord Howe's is 30 min).
    """
    before = wall.replace(fold=0).utcoffset()
    after = wall.replace(fold=1).utcoffset()
    assert before is not None and after is not None
    naive = wall.replace(tzinfo=None)
    low = (naive - after).replace(tzinfo=UTC)  # still on the old offset
    high = (naive - before).replace(tzinfo=UTC)  # already on the new offset
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(zone).utcoffset() == before:
            low = middle
        else:
            high = middle
    return high.replace(microsecond=0)


def in_quiet_hours(local: datetime | time, quiet_start: int, quiet_end: int) -> bool:
    """Whether a local time of day falls in the quiet window [start:00, end:00)."""
    moment = local.time() if isinstance(local, datetime) else local
    if quiet_start == quiet_end:
        return False
    start, end = time(quiet_start % 24), time(quiet_end % 24)
    if quiet_start < quiet_end:
        return start <= moment < end
    return moment >= start or moment < end


def next_allowed(moment: datetime, tz: str, *, quiet_start: int, quiet_end: int) -> datetime:
    """``moment`` itself, or the end of the quiet hours it falls in (aware UTC)."""
    zone = ZoneInfo(tz)
    local = moment.astimezone(zone)
    if not in_quiet_hours(local, quiet_start, quiet_end):
        return moment.astimezone(UTC)
    wake = time(quiet_end % 24)
    day = local.date()
    if local.time() >= wake:  # the evening part of a window that wraps midnight
        day += timedelta(days=1)
    return resolve_wall_time(zone, day, wake)


def jitter_for(jitter_key: str, jitter_max: timedelta) -> timedelta:
    """A stable offset in ``[0, jitter_max)``, whole seconds, from a hash of the key."""
    span = int(jitter_max.total_seconds())
    if span <= 0:
        return timedelta(0)
    digest = hashlib.sha256(jitter_key.encode()).digest()
    return timedelta(seconds=int.from_bytes(digest[:8], "big") % span)


def local_occurrence(
    tz: str,
    day: date,
    at: time,
    *,
    quiet_start: int,
    quiet_end: int,
    jitter_key: str,
    jitter_max: timedelta,
) -> datetime:
    """When to act for ``day`` at local ``at`` in zone ``tz`` (aware UTC); see the module doc."""
    zone = ZoneInfo(tz)
    base = next_allowed(
        resolve_wall_time(zone, day, at), tz, quiet_start=quiet_start, quiet_end=quiet_end
    )
    offset = jitter_for(jitter_key, jitter_max)
    for candidate in (base + offset, base - offset):
        if not in_quiet_hours(candidate.astimezone(zone), quiet_start, quiet_end):
            return candidate
    return base  # the allowed window is shorter than twice the jitter: no jitter then


@dataclass(frozen=True, slots=True)
class Period:
    """One cadence period: numbered from 1, open on ``opens``, over before ``closes``."""

    number: int
    opens: date
    closes: date


def periods(start: date, cadence_days: int, end: date) -> list[Period]:
    """The periods from ``start`` every ``cadence_days`` days, the last one cut at ``end``.

    ``end`` is exclusive: an agreement from March 2 for 4 weeks (``end`` = March 30) at a
    14-day cadence has periods [Mar 2, Mar 16) and [Mar 16, Mar 30).
    """
    if cadence_days < 1:
        raise ValueError("cadence_days must be at least 1")
    result: list[Period] = []
    opens = start
    while opens < end:
        closes = min(opens + timedelta(days=cadence_days), end)
        result.append(Period(len(result) + 1, opens, closes))
        opens += timedelta(days=cadence_days)
    return result


def period_index(start: date, cadence_days: int, day: date) -> int:
    """The number of the period ``day`` falls in (1-based; 0 before ``start``)."""
    if cadence_days < 1:
        raise ValueError("cadence_days must be at least 1")
    if day < start:
        return 0
    return (day - start).days // cadence_days + 1
