"""Weekly availability windows from free text, their overlap across time zones, and a
truthful time-difference phrase.

A week is 672 quarter-hour slots from Monday 00:00, held as one Python int bitmask (the
vectorized scorer packs the same bits into numpy words). Each person's local windows are
rotated to UTC with their zone's offset at one moment (`Pool.at`), so DST is the one in
force on the program's dates.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.i18n import _

SLOT_MINUTES = 15
DAY_SLOTS = 24 * 60 // SLOT_MINUTES
WEEK_SLOTS = 7 * DAY_SLOTS
WEEK_MASK = (1 << WEEK_SLOTS) - 1
ALL_DAYS = frozenset(range(7))
DAYTIME = (9 * 60, 21 * 60)  # a day named without hours ("weekends")

_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAYS: dict[str, frozenset[int]] = {}
for _index, _name in enumerate(_DAY_NAMES):
    for _word in (_name, _name + "s", _name[:3], _name[:3] + "s"):
        _DAYS[_word] = frozenset({_index})
_DAYS |= {
    "tues": frozenset({1}),
    "thur": frozenset({3}),
    "thurs": frozenset({3}),
    "weekday": frozenset(range(5)),
    "weekdays": frozenset(range(5)),
    "weekend": frozenset({5, 6}),
    "weekends": frozenset({5, 6}),
    "daily": ALL_DAYS,
    "everyday": ALL_DAYS,
    "day": ALL_DAYS,  # "every day"
    "days": ALL_DAYS,
}
_PERIODS = {
    "morning": (8 * 60, 12 * 60),
    "mornings": (8 * 60, 12 * 60),
    "lunch": (12 * 60, 13 * 60),
    "lunchtime": (12 * 60, 13 * 60),
    "afternoon": (12 * 60, 17 * 60),
    "afternoons": (12 * 60, 17 * 60),
    "evening": (18 * 60, 22 * 60),
    "evenings": (18 * 60, 22 * 60),
    "night": (20 * 60, 24 * 60),
    "nights": (20 * 60, 24 * 60),
    "anytime": (8 * 60, 22 * 60),
    "flexible": (8 * 60, 22 * 60),
}
_RANGE = (
    r"(?P<h1>\d{1,2})(?::(?P<m1>\d{2}))?\s*(?P<p1>am|pm)?\s*(?:-|–|to|until)\s*"
    r"(?P<h2>\d{1,2})(?::(?P<m2>\d{2}))?\s*(?P<p2>am|pm)?"
)
# "after 6pm", "before 10", "from 18:00" (with no end): open on one side
_BOUND = (
    r"(?P<bound>after|before|from)\s+(?P<h3>\d{1,2})(?::(?P<m3>\d{2}))?\s*(?P<p3>am|pm)?"
    r"(?!\s*(?:-|–|to|until)\s*\d)"
)
_TOKENS = re.compile(rf"(?P<range>{_RANGE})|{_BOUND}|(?P<word>[a-z]+)|(?P<dash>[-–])")
OPEN_END = 22 * 60  # "after 6pm": until the evening's end
OPEN_START = 8 * 60  # "before 10": from the morning's start


def _minutes(hour: str, minute: str | None, suffix: str | None) -> int:
    h = int(hour) % 24
    if suffix == "pm" and h < 12:
        h += 12
    elif suffix == "am" and h == 12:
        h = 0
    return h * 60 + int(minute or 0)


def _range(match: re.Match[str]) -> tuple[int, int]:
    start = _minutes(match["h1"], match["m1"], match["p1"])
    end = _minutes(match["h2"], match["m2"], match["p2"])
    if match["p1"] is None and match["p2"] == "pm" and start + 12 * 60 <= end:
        start += 12 * 60  # "6-8pm" means 18-20
    if match["h2"] == "24" and not match["m2"]:
        end = 24 * 60
    return start, end


def _bounded(match: re.Match[str]) -> tuple[int, int]:
    """ "after 6pm" is 18:00-22:00, "before 10" 08:00-10:00; an hour before 8 with no am/pm
    after "after" is read as the evening ("after 6" is 18:00)."""
    suffix = match["p3"]
    if suffix is None and match["bound"] != "before" and int(match["h3"]) < 8:
        suffix = "pm"
    at = _minutes(match["h3"], match["m3"], suffix)
    if match["bound"] == "before":
        return (OPEN_START, at) if at > OPEN_START else (0, at)
    return at, OPEN_END if at < OPEN_END else 24 * 60


def parse_windows(text: str) -> tuple[tuple[frozenset[int], int, int], ...] | None:
    """(days, start minute, end minute) windows in local time, or None when nothing in the
    text reads as a time (unknown, scored neutral). A time with no day means every day; days
    with no time mean daytime; an end before the start runs past midnight."""
    windows: list[tuple[frozenset[int], int, int]] = []
    days: set[int] = set()
    timed = False  # the pending days already got a time: the next day starts a new group
    tokens = list(_TOKENS.finditer(text.lower()))
    i = 0
    while i < len(tokens):
        token = tokens[i]
        word = token["word"]
        if token["range"] or token["bound"] or word in _PERIODS:
            if token["range"]:
                start, end = _range(token)
            elif token["bound"]:
                start, end = _bounded(token)
            else:
                start, end = _PERIODS[word or ""]
            windows.append((frozenset(days) or ALL_DAYS, start, end))
            timed = True
        elif word in _DAYS:
            if timed:
                days, timed = set(), False
            found = set(_DAYS[word])
            # "mon-fri", "mon to fri"
            if (
                i + 2 < len(tokens)
                and (tokens[i + 1]["dash"] or tokens[i + 1]["word"] == "to")
                and tokens[i + 2]["word"] in _DAYS
                and len(found) == 1
                and len(_DAYS[tokens[i + 2]["word"] or ""]) == 1
            ):
                first = min(found)
                last = min(_DAYS[tokens[i + 2]["word"] or ""])
                found = {(first + n) % 7 for n in range((last - first) % 7 + 1)}
                i += 2
            days |= found
        i += 1
    if days and not timed:
        windows.append((frozenset(days), *DAYTIME))
    return tuple(windows) or None


@lru_cache(maxsize=4096)
def local_mask(text: str) -> int | None:
    """The week's local slots as a bitmask, or None for unknown."""
    windows = parse_windows(text)
    if windows is None:
        return None
    mask = 0
    for days, start, end in windows:
        if end <= start:
            end += 24 * 60
        first, last = start // SLOT_MINUTES, -(-end // SLOT_MINUTES)
        for day in days:
            for slot in range(day * DAY_SLOTS + first, day * DAY_SLOTS + last):
                mask |= 1 << (slot % WEEK_SLOTS)
    return mask


@lru_cache(maxsize=1024)
def offset_minutes(zone: str, at: datetime) -> int:
    """The zone's UTC offset at ``at`` (DST included); an unknown zone counts as UTC."""
    try:
        offset = at.astimezone(ZoneInfo(zone)).utcoffset()
    except (ZoneInfoNotFoundError, ValueError):
        return 0
    return int(offset.total_seconds() // 60) if offset else 0


def rotate(mask: int, slots: int) -> int:
    """Shift a weekly mask later by ``slots`` (negative: earlier), wrapping round the week."""
    slots %= WEEK_SLOTS
    return ((mask << slots) | (mask >> (WEEK_SLOTS - slots))) & WEEK_MASK


@lru_cache(maxsize=8192)
def utc_mask(text: str, zone: str, at: datetime) -> int | None:
    """Local windows moved to UTC: local 09:00 at UTC+2 is 07:00 UTC."""
    mask = local_mask(text)
    if mask is None:
        return None
    return rotate(mask, -(offset_minutes(zone, at) // SLOT_MINUTES))


def overlap_hours(a_text: str, a_zone: str, b_text: str, b_zone: str, at: datetime) -> float | None:
    """Hours a week both are available, or None when either didn't say."""
    a, b = utc_mask(a_text, a_zone, at), utc_mask(b_text, b_zone, at)
    if a is None or b is None:
        return None
    return (a & b).bit_count() * SLOT_MINUTES / 60


def city(zone: str) -> str:
    return zone.rsplit("/", 1)[-1].replace("_", " ")


def _amount(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if not rest:
        # Translators: a time difference in hours ("h"), e.g. "14 h".
        return _("{hours} h", hours=hours)
    if hours:
        # Translators: a time difference in hours and minutes, e.g. "5 h 30 min".
        return _("{hours} h {minutes} min", hours=hours, minutes=rest)
    # Translators: a time difference in minutes, e.g. "45 min".
    return _("{minutes} min", minutes=rest)


def time_difference(zone: str, other: str, at: datetime) -> str:
    """Signed and true at ``at``: "Tokyo is 14 h ahead of New York", never "10 h apart"."""
    if zone == other:
        return _("same time zone")
    difference = offset_minutes(zone, at) - offset_minutes(other, at)
    if difference == 0:
        return _("{city} and {other} keep the same time", city=city(zone), other=city(other))
    amount = _amount(abs(difference))
    if difference > 0:
        return _(
            "{city} is {amount} ahead of {other}", city=city(zone), amount=amount, other=city(other)
        )
    return _("{city} is {amount} behind {other}", city=city(zone), amount=amount, other=city(other))
