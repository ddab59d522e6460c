"""Validation of what people type: names, time zones, languages, dates, lengths."""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel import Locale

from core.errors import InvalidInput
from core.i18n import LANGUAGES, N_, _, babel_locale, listed, n_, number, said

NAME_MAX = 80
SHORT_TEXT_MAX = 300
LONG_TEXT_MAX = 2000
MAX_LANGUAGES = 8

_HANDLE_RE = re.compile(r"^[a-z][a-z0-9_]{1,23}$")
_LANGUAGE_RE = re.compile(r"^[a-z]{2,3}(-[a-z]{2,4})?$")


def clean_text(value: str, *, what: str, limit: int, required: bool = True) -> str:
    """Trim, drop control characters (except newlines) and enforce a length limit.

    ``what`` names the value in errors: a message (``_("message")``) or plain text. It is
    said as a label, so a translation quotes it rather than agreeing with it."""
    if value.isprintable():  # no control characters (the common case): nothing to drop
        cleaned = value.strip()
    else:
        cleaned = "".join(
            ch for ch in value if ch == "\n" or unicodedata.category(ch)[0] != "C"
        ).strip()
    if required and not cleaned:
        # Translators: {what} names a value people type ("message", "goal"), already
        # translated: quote it as a label (e.g. «{what}») so nothing must agree with it.
        raise InvalidInput(_("The {what} can't be empty.", what=what))
    if len(cleaned) > limit:
        raise InvalidInput(
            # Translators: {what} names a value people type, already translated: quote it
            # as a label (e.g. «{what}») so nothing must agree with it.
            n_(
                "The {what} is {count} character long; the limit is {limit}.",
                "The {what} is {count} characters long; the limit is {limit}.",
                len(cleaned),
                what=what,
                limit=limit,
            ),
            hint=_("Please shorten it and send it again."),
        )
    return cleaned


def clean_name(value: str) -> str:
    return clean_text(value.replace("\n", " "), what=_("name"), limit=NAME_MAX)


def handle_from_name(name: str) -> str:
    """A readable handle from a display name: 'Zoë O'Brien' -> 'zoe_obrien'."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "_", ascii_name.lower()).strip("_")
    if not slug or not slug[0].isalpha():
        slug = f"user_{slug}" if slug else "user"
    return slug[:20].rstrip("_") or "user"


def clean_handle(value: str) -> str:
    handle = value.strip().lstrip("@").lower()
    if not _HANDLE_RE.match(handle):
        raise InvalidInput(
            _("'{handle}' is not a valid handle.", handle=value.strip()[:40]),
            hint=_("A handle is 2-24 characters: a letter first, then letters, digits or _."),
        )
    return handle


@cache
def _zones_by_lower() -> dict[str, str]:
    zones = {
        z.lower(): z
        for z in available_timezones()
        if ("/" in z or z == "UTC") and not z.startswith(("posix/", "right/", "Etc/"))
    }
    # "berlin" or "new york" -> the zone whose last part is that city, when unambiguous
    by_city: dict[str, set[str]] = {}
    for zone in zones.values():
        city = zone.rsplit("/", 1)[-1].lower()
        by_city.setdefault(city, set()).add(zone)
        by_city.setdefault(city.replace("_", " "), set()).add(zone)
    for city, candidates in by_city.items():
        if len(candidates) == 1 and city not in zones:
            zones[city] = next(iter(candidates))
    return zones


def clean_timezone(value: str) -> str:
    """An IANA zone from what people type: an IANA name in any case ('europe/berlin'), a
    city ('Berlin'), a common abbreviation ('PST': the zone it names, with its daylight
    saving) or a fixed offset ('UTC+3': the Etc zone of that offset). Anything else is
    refused with the zones it most likely meant ('Berlin/Europe' -> Europe/Berlin)."""
    raw = value.strip()
    if not raw:
        raise InvalidInput(_("Please name a time zone."), hint=_tz_hint())
    key = raw.lower()
    zone = (
        _zones_by_lower().get(key)
        or _zones_by_lower().get(key.replace(" ", "_"))
        or _ABBREVIATIONS.get(key)
        or _fixed_offset_zone(raw)
    )
    if zone is None:
        suggestions = _likely_meant(key)
        meant = _("Did you mean {zones}?", zones=listed(suggestions, style="or"))
        raise UnknownZone(
            _("'{zone}' is not a time zone I know.", zone=raw[:60]),
            hint=f"{meant} {_tz_hint()}" if suggestions else _tz_hint(),
            guess=meant if suggestions else None,
        )
    try:
        ZoneInfo(zone)
    except ZoneInfoNotFoundError as exc:  # pragma: no cover - tzdata is a dependency
        raise InvalidInput(
            _("'{zone}' is not a time zone I know.", zone=raw[:60]), hint=_tz_hint()
        ) from exc
    return zone


class UnknownZone(InvalidInput):
    """A zone we don't know; ``guess`` (a message) asks whether it meant the likely ones."""

    def __init__(self, message: str, *, hint: str, guess: str | None) -> None:
        super().__init__(message, hint=hint)
        self.guess = guess


def zone_read_as(typed: str, zone: str) -> str | None:
    """Which zone we chose for an abbreviation or an offset ('PST' -> America/Los_Angeles,
    'UTC+3' -> Etc/GMT-3): those name a time of year or no place, so people should see
    what we took them for. A zone's or a city's own name needs no explaining."""
    key = typed.strip().lower()
    if key not in _ABBREVIATIONS and _OFFSET_RE.match(key) is None:
        return None
    if key == zone.lower():  # 'UTC' is its own zone
        return None
    return _(
        "I read '{typed}' as the time zone {zone}.", typed=typed.strip()[:40], zone=zone_label(zone)
    )


def zone_label(zone: str) -> str:
    """A zone as people read it: the Etc zones' names have their sign reversed."""
    match = _ETC_ZONE_RE.match(zone)
    if match is None:
        return zone
    offset = "UTC" + ("-" if match[1] == "+" else "+") + match[2]
    # Translators: e.g. "UTC+3 (a fixed offset, Etc/GMT-3)".
    return _("{offset} (a fixed offset, {zone})", offset=offset, zone=zone)


_ETC_ZONE_RE = re.compile(r"^Etc/GMT([+-])(\d{1,2})$")
_OFFSET_RE = re.compile(r"^(?:utc|gmt)?\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?$")


def _fixed_offset_zone(raw: str) -> str | None:
    """'UTC+3', 'GMT-5', '+03:00' -> the Etc zone of that offset. POSIX writes Etc zones
    with the sign reversed: UTC+3 is Etc/GMT-3. Only whole hours have one; for others the
    zones that keep that offset all year are suggested."""
    match = _OFFSET_RE.match(raw.strip().lower())
    if match is None:
        return None
    sign, hours, minutes = match[1], int(match[2]), int(match[3] or 0)
    if minutes or not -12 <= (hours if sign == "+" else -hours) <= 14:
        offset = timedelta(hours=hours, minutes=minutes) * (1 if sign == "+" else -1)
        steady = _zones_keeping(offset)
        steady_zones = _("Zones at that offset all year: {zones}.", zones=", ".join(steady))
        hint = f"{steady_zones} {_tz_hint()}" if steady else _tz_hint()
        raise InvalidInput(_("'{offset}' is not an offset I can use.", offset=raw[:30]), hint=hint)
    if hours == 0:
        return "UTC"
    return f"Etc/GMT{'-' if sign == '+' else '+'}{hours}"


def _zones_keeping(offset: timedelta) -> list[str]:
    """Zones at ``offset`` in both January and July (no daylight saving), a few."""
    probes = (datetime(2026, 1, 15, tzinfo=UTC), datetime(2026, 7, 15, tzinfo=UTC))
    found = [
        zone
        for zone in sorted(set(_zones_by_lower().values()))
        if all(probe.astimezone(ZoneInfo(zone)).utcoffset() == offset for probe in probes)
    ]
    return found[:3]


def _likely_meant(key: str) -> list[str]:
    """Zones someone typing ``key`` probably meant: its parts swapped ('berlin/europe'),
    one of its parts ('europe/berlim'), a name it begins ('new_yo'), or a close spelling."""
    zones = _zones_by_lower()
    parts = [part.strip().replace(" ", "_") for part in key.split("/") if part.strip()]
    candidates = ["/".join(reversed(parts)), *reversed(parts)]
    found = [zones[c] for c in candidates if c in zones]
    typed = parts[-1] if parts else ""
    if len(typed) >= 3 and not found:
        found = sorted(
            zone
            for name, zone in zones.items()
            if name.startswith(typed) or (len(typed) >= 4 and typed in name.rsplit("/")[-1])
        )
    if not found:
        close = difflib.get_close_matches(key, zones.keys(), n=3, cutoff=0.75)
        found = [zones[c] for c in close]
    return list(dict.fromkeys(found))[:2]


# Common abbreviations, each mapped to one zone that observes it (with its daylight saving).
_ABBREVIATIONS = {
    **dict.fromkeys(("pst", "pdt", "pt"), "America/Los_Angeles"),
    **dict.fromkeys(("mst", "mdt", "mt"), "America/Denver"),
    **dict.fromkeys(("cst", "cdt", "ct"), "America/Chicago"),
    **dict.fromkeys(("est", "edt", "et"), "America/New_York"),
    **dict.fromkeys(("akst", "akdt"), "America/Anchorage"),
    "hst": "Pacific/Honolulu",
    **dict.fromkeys(("gmt", "z", "utc"), "UTC"),
    "bst": "Europe/London",
    **dict.fromkeys(("wet", "west"), "Europe/Lisbon"),
    **dict.fromkeys(("cet", "cest"), "Europe/Berlin"),
    **dict.fromkeys(("eet", "eest"), "Europe/Athens"),
    "msk": "Europe/Moscow",
    "ist": "Asia/Kolkata",
    "sgt": "Asia/Singapore",
    "hkt": "Asia/Hong_Kong",
    "jst": "Asia/Tokyo",
    "kst": "Asia/Seoul",
    **dict.fromkeys(("aest", "aedt"), "Australia/Sydney"),
    "awst": "Australia/Perth",
    **dict.fromkeys(("nzst", "nzdt"), "Pacific/Auckland"),
    "brt": "America/Sao_Paulo",
}


def _tz_hint() -> str:
    return _(
        "Use an IANA name like Europe/Berlin or America/New_York, a city name, "
        "an abbreviation like PST or CET, or a whole-hour offset like UTC+3."
    )


def clean_languages(value: str) -> tuple[str, ...]:
    parts = [p.strip().lower() for p in re.split(r"[,\s]+", value) if p.strip()]
    if not parts:
        raise InvalidInput(_("Please name at least one language."), hint=_lang_hint())
    if len(parts) > MAX_LANGUAGES:
        raise InvalidInput(
            n_(
                "That's {count} language; the limit is {limit}.",
                "That's {count} languages; the limit is {limit}.",
                len(parts),
                limit=number(MAX_LANGUAGES),
            )
        )
    for part in parts:
        if not _LANGUAGE_RE.match(part):
            raise InvalidInput(
                _("'{code}' is not a language code.", code=part[:20]), hint=_lang_hint()
            )
    return tuple(dict.fromkeys(parts))


def _lang_hint() -> str:
    return _("Use language codes separated by commas, like: en, de, pt-br")


# The languages people list most, by code, for sentences ("both speak German"); any
# other code is shown as it was typed. Each name is a message: "German" in German.
LANGUAGE_NAMES = {
    "en": N_("English"),
    "es": N_("Spanish"),
    "de": N_("German"),
    "fr": N_("French"),
    "pt": N_("Portuguese"),
    "pt-br": N_("Portuguese"),
    "it": N_("Italian"),
    "nl": N_("Dutch"),
    "pl": N_("Polish"),
    "uk": N_("Ukrainian"),
    "ru": N_("Russian"),
    "tr": N_("Turkish"),
    "ar": N_("Arabic"),
    "he": N_("Hebrew"),
    "fa": N_("Persian"),
    "hi": N_("Hindi"),
    "bn": N_("Bengali"),
    "ur": N_("Urdu"),
    "ta": N_("Tamil"),
    "zh": N_("Chinese"),
    "ja": N_("Japanese"),
    "ko": N_("Korean"),
    "vi": N_("Vietnamese"),
    "th": N_("Thai"),
    "id": N_("Indonesian"),
    "ms": N_("Malay"),
    "sw": N_("Swahili"),
    "sv": N_("Swedish"),
    "no": N_("Norwegian"),
    "da": N_("Danish"),
    "fi": N_("Finnish"),
    "cs": N_("Czech"),
    "el": N_("Greek"),
    "ro": N_("Romanian"),
    "hu": N_("Hungarian"),
}


def language_name(code: str) -> str:
    name = LANGUAGE_NAMES.get(code.lower())
    return said(name) if name else code


MAX_SKILLS = 12
SKILL_MAX = 40


def clean_skills(items: list[str], *, required: bool = True) -> tuple[str, ...]:
    """Skills or topics (offered by a mentor, wanted by a mentee): lower case, at most
    MAX_SKILLS of SKILL_MAX characters each, in the order given, without repeats."""
    skills = [item.strip().lower() for item in items if item.strip()]
    if required and not skills:
        raise InvalidInput(_("Please name at least one skill or topic."))
    if len(skills) > MAX_SKILLS:
        raise InvalidInput(
            n_(
                "That's {count} topic; the limit is {limit}.",
                "That's {count} topics; the limit is {limit}.",
                len(skills),
                limit=number(MAX_SKILLS),
            )
        )
    return tuple(dict.fromkeys(clean_text(s, what=_("skill"), limit=SKILL_MAX) for s in skills))


def clean_date(value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError as exc:
        raise InvalidInput(
            _("'{date}' is not a date.", date=value.strip()[:30]),
            hint=_("Write dates as YYYY-MM-DD, e.g. 2026-03-01."),
        ) from exc


def clean_int(value: str, *, what: str, low: int, high: int) -> int:
    try:
        whole = int(value.strip())
    except ValueError as exc:
        raise InvalidInput(
            # Translators: {what} names a value people type, already translated: quote it
            # as a label (e.g. «{what}») so nothing must agree with it.
            _(
                "The {what} must be a whole number from {low} to {high}.",
                what=what,
                low=low,
                high=high,
            )
        ) from exc
    if not low <= whole <= high:
        raise InvalidInput(
            # Translators: {what} names a value people type, already translated: quote it
            # as a label (e.g. «{what}») so nothing must agree with it.
            _(
                "The {what} must be from {low} to {high}; you wrote {typed}.",
                what=what,
                low=low,
                high=high,
                typed=whole,
            )
        )
    return whole


_AMOUNT_RE = re.compile(r"^(\d+)\s*([^\W\d_]*)\.?$")  # "12", "12w", "12 weeks", "12 Wochen"
_UNIT_MINUTES = {"minutes": 1, "hours": 60, "days": 24 * 60, "weeks": 7 * 24 * 60}
_UNIT_WORDS = {
    "minutes": ("m", "min", "mins", "minute", "minutes"),
    "hours": ("h", "hr", "hrs", "hour", "hours"),
    "days": ("d", "day", "days"),
    "weeks": ("w", "wk", "wks", "week", "weeks"),
}
_CLDR_UNITS = {
    "minutes": "duration-minute",
    "hours": "duration-hour",
    "days": "duration-day",
    "weeks": "duration-week",
}


@functools.cache  # read from CLDR on the first length of time typed, not at import
def _unit_words() -> dict[str, str]:
    """Each unit word people may type, in any of our languages: ours above, and CLDR's
    names of the unit in every width and plural form ("Wochen", "semanas", "нед.")."""
    found = {word: unit for unit, words in _UNIT_WORDS.items() for word in words}
    for language in LANGUAGES:
        patterns = Locale.parse(babel_locale(language))._data["unit_patterns"]
        for unit, key in _CLDR_UNITS.items():
            for forms in patterns[key].values():
                for form, pattern in forms.items():
                    word = str(pattern).replace("{0}", "").strip().casefold().rstrip(".")
                    if form != "per" and word and word.isalpha():
                        found.setdefault(word, unit)
    return found


def clean_amount(value: str, *, what: str, unit: str, low: int, high: int) -> int:
    """A length of time in ``unit`` (minutes, hours, days or weeks), typed as a number
    alone or with any unit that converts to a whole number of ``unit``: '10', '10w',
    '10 weeks', '70 days'. ``what`` names it in errors, as for :func:`clean_text`."""
    match = _AMOUNT_RE.match(value.strip().casefold())
    given = _unit_words().get(match[2] if match and match[2] else unit) if match else None
    if match is None or given is None:
        raise InvalidInput(
            # Translators: {what} names a length of time ("duration", "cadence"), already
            # translated: quote it as a label (e.g. «{what}») so nothing must agree with it.
            _("'{typed}' is not a {what}.", typed=value.strip()[:30], what=what),
            hint=_AMOUNT_HINTS[unit](low, high),
        )
    minutes = int(match[1]) * _UNIT_MINUTES[given]
    amount, left_over = divmod(minutes, _UNIT_MINUTES[unit])
    if left_over:
        raise InvalidInput(_WHOLE_AMOUNT[unit](what, value[:30]))
    if not low <= amount <= high:
        raise InvalidInput(_AMOUNT_RANGE[unit](what, low, high, value.strip()[:30]))
    return amount


# One message per unit: the words around a number depend on it in most languages.
_AMOUNT_HINTS: dict[str, Callable[[int, int], str]] = {
    "minutes": lambda low, high: n_(
        "Write a number of minutes, {low} to {count} minute, e.g. {low} or {low} minutes.",
        "Write a number of minutes, {low} to {count} minutes, e.g. {low} or {low} minutes.",
        high,
        low=low,
    ),
    "hours": lambda low, high: n_(
        "Write a number of hours, {low} to {count} hour, e.g. {low} or {low} hours.",
        "Write a number of hours, {low} to {count} hours, e.g. {low} or {low} hours.",
        high,
        low=low,
    ),
    "days": lambda low, high: n_(
        "Write a number of days, {low} to {count} day, e.g. {low} or {low} days.",
        "Write a number of days, {low} to {count} days, e.g. {low} or {low} days.",
        high,
        low=low,
    ),
    "weeks": lambda low, high: n_(
        "Write a number of weeks, {low} to {count} week, e.g. {low} or {low} weeks.",
        "Write a number of weeks, {low} to {count} weeks, e.g. {low} or {low} weeks.",
        high,
        low=low,
    ),
}
# Translators: {what} names a length of time, already translated: quote it as a label.
_WHOLE_AMOUNT: dict[str, Callable[[str, str], str]] = {
    "minutes": lambda what, typed: _(
        "The {what} must be a whole number of minutes; you wrote {typed}.", what=what, typed=typed
    ),
    "hours": lambda what, typed: _(
        "The {what} must be a whole number of hours; you wrote {typed}.", what=what, typed=typed
    ),
    "days": lambda what, typed: _(
        "The {what} must be a whole number of days; you wrote {typed}.", what=what, typed=typed
    ),
    "weeks": lambda what, typed: _(
        "The {what} must be a whole number of weeks; you wrote {typed}.", what=what, typed=typed
    ),
}
_AMOUNT_RANGE: dict[str, Callable[[str, int, int, str], str]] = {
    "minutes": lambda what, low, high, typed: n_(
        "The {what} must be from {low} to {count} minute; you wrote {typed}.",
        "The {what} must be from {low} to {count} minutes; you wrote {typed}.",
        high,
        what=what,
        low=low,
        typed=typed,
    ),
    "hours": lambda what, low, high, typed: n_(
        "The {what} must be from {low} to {count} hour; you wrote {typed}.",
        "The {what} must be from {low} to {count} hours; you wrote {typed}.",
        high,
        what=what,
        low=low,
        typed=typed,
    ),
    "days": lambda what, low, high, typed: n_(
        "The {what} must be from {low} to {count} day; you wrote {typed}.",
        "The {what} must be from {low} to {count} days; you wrote {typed}.",
        high,
        what=what,
        low=low,
        typed=typed,
    ),
    "weeks": lambda what, low, high, typed: n_(
        "The {what} must be from {low} to {count} week; you wrote {typed}.",
        "The {what} must be from {low} to {count} weeks; you wrote {typed}.",
        high,
        what=what,
        low=low,
        typed=typed,
    ),
}


def likely_timezones(locale: str | None) -> tuple[str, ...]:
    """A few plausible zones for a language/locale code, offered as quick choices."""
    if not locale:
        return ("Europe/London", "America/New_York", "Asia/Kolkata")
    lang, _sep, region = locale.replace("_", "-").lower().partition("-")
    by_region = _REGION_ZONES.get(region) if region else None
    return by_region or _LANGUAGE_ZONES.get(lang, ("Europe/London", "America/New_York", "UTC"))


_LANGUAGE_ZONES: dict[str, tuple[str, ...]] = {
    "en": ("Europe/London", "America/New_York", "America/Los_Angeles"),
    "de": ("Europe/Berlin", "Europe/Vienna", "Europe/Zurich"),
    "fr": ("Europe/Paris", "America/Montreal", "Africa/Dakar"),
    "es": ("Europe/Madrid", "America/Mexico_City", "America/Bogota"),
    "pt": ("America/Sao_Paulo", "Europe/Lisbon", "Africa/Luanda"),
    "it": ("Europe/Rome",),
    "nl": ("Europe/Amsterdam", "Europe/Brussels"),
    "pl": ("Europe/Warsaw",),
    "uk": ("Europe/Kyiv",),
    "ru": ("Europe/Moscow", "Asia/Almaty", "Asia/Yekaterinburg"),
    "tr": ("Europe/Istanbul",),
    "ar": ("Asia/Riyadh", "Africa/Cairo", "Asia/Dubai"),
    "hi": ("Asia/Kolkata",),
    "ja": ("Asia/Tokyo",),
    "ko": ("Asia/Seoul",),
    "zh": ("Asia/Shanghai", "Asia/Taipei", "Asia/Singapore"),
    "id": ("Asia/Jakarta",),
    "vi": ("Asia/Ho_Chi_Minh",),
    "sv": ("Europe/Stockholm",),
}
_REGION_ZONES: dict[str, tuple[str, ...]] = {
    "us": ("America/New_York", "America/Chicago", "America/Los_Angeles"),
    "gb": ("Europe/London",),
    "in": ("Asia/Kolkata",),
    "br": ("America/Sao_Paulo",),
    "ca": ("America/Toronto", "America/Vancouver"),
    "au": ("Australia/Sydney", "Australia/Perth"),
}
