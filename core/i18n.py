"""Each reader's language: core says messages by id, rendered once the reader is known.

Core writes ``_("Paired with {name}.", name=partner)``. That is not English text yet but a
*deferred message*: its id and arguments in a token of private-use characters, like the
moments of :mod:`core.messages`, so it travels inside any ``str`` (joined, stored in the
outbox, put in a button) and nobody can forge one (:func:`core.text.clean_text` drops
private-use characters from whatever a person types). :func:`translate` writes every token
out in one language: when a reply goes back to the person who asked, in theirs; when a
notice is delivered, in its recipient's, as they have it set on that day.

Catalogs are gettext ``.po`` files (``core/locale/<language>/LC_MESSAGES/mentorhub.po``),
extracted from the source with Babel (``python3 dev.py messages``) and read at run time
through Babel: plural rules and formats come from CLDR. Every message is the English text
itself (its id), with named placeholders and, where the words alone are ambiguous, a
``# Translators:`` comment above it. docs/translating.md says how to add a language.

Markers:

- ``_(text, **args)``: a message. ``n_(one, other, count, **args)``: a message whose
  wording depends on a number (``{count}`` in it is the number, written the reader's way).
  ``p_(context, text, **args)``: one whose English is shared by different meanings.
- ``N_(text)``: marks a literal for extraction and returns it unchanged, for text
  declared in a table (command summaries) and said later with :func:`said`.
- ``number(value)``, ``day(date)`` and ``listed(items)`` inside arguments: written per the
  reader's locale.
"""

from __future__ import annotations

import functools
import gettext
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from io import BytesIO
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_skeleton
from babel.lists import format_list
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

ENGLISH = "en"
# The languages with a complete catalog, by the tag people use (and messengers report).
LANGUAGES: tuple[str, ...] = ("en", "de", "es", "pt-BR", "ru")
# Every message wrapped and lengthened: shows in tests what escaped translation.
PSEUDO = "qps"
DOMAIN = "mentorhub"
LOCALE_DIR = Path(__file__).parent / "locale"

_OPEN, _CLOSE = "\ue002", "\ue003"
_TOKEN = re.compile(f"{_OPEN}([^{_OPEN}{_CLOSE}]*){_CLOSE}")
_NO_MARKS = str.maketrans("", "", _OPEN + _CLOSE)
Arg = str | int | float


# one encoder for every token: json.dumps with options builds a new one per call, which
# showed up in the time a whole-pool match spends wording thousands of reasons
_JSON = json.JSONEncoder(separators=(",", ":"), ensure_ascii=True)


def _token(payload: Mapping[str, Any]) -> str:
    # ASCII JSON: a token nested in an argument is escaped inside it (``\\ue002``), so
    # the outer token's text holds no delimiter and one regular expression finds each.
    return _OPEN + _JSON.encode(payload) + _CLOSE


def _(text: str, /, **args: Arg) -> str:
    return _token({"i": text, "a": args} if args else {"i": text})


def n_(one: str, other: str, count: int, /, **args: Arg) -> str:
    return _token({"i": one, "o": other, "n": count, "a": args})


def p_(context: str, text: str, /, **args: Arg) -> str:
    return _token({"c": context, "i": text, "a": args})


def N_(text: str, /) -> str:
    return text


def said(text: str, /, **args: Arg) -> str:
    """A message whose text was marked elsewhere with :func:`N_` (or is one of them)."""
    return _token({"i": text, "a": args} if args else {"i": text})


def number(value: int | float) -> str:
    return _token({"f": value})


def day(value: date, *, short: bool = False) -> str:
    """A calendar day (no clock, no zone), written the reader's way: "Tue 10 Mar 2026",
    "Di., 10. März 2026", "ter., 10 de mar. de 2026"; ``short``: "10 Mar", "10. März"."""
    return _token({"d": value.isoformat(), "s": 1} if short else {"d": value.isoformat()})


def listed(items: Iterable[str], *, style: str = "standard") -> str:
    """``a, b and c`` in the reader's language (``style="or"``: ``a, b or c``)."""
    return _token({"l": list(items), "s": style})


def is_deferred(text: str) -> bool:
    return _OPEN in text


# -- languages -------------------------------------------------------------------------


@functools.lru_cache(maxsize=1024)  # asked on every event, of a handful of tags
def supported(tag: str | None) -> str | None:
    """The language of ours that ``tag`` names (``"de-AT"`` → ``"de"``, ``"pt"`` →
    ``"pt-BR"``, ``"Deutsch"`` → ``"de"``), or None."""
    if not tag:
        return None
    wanted = tag.strip().replace("_", "-").casefold()
    if wanted == PSEUDO:
        return PSEUDO
    for language in LANGUAGES:
        if wanted in (language.casefold(), _native_name(language).casefold()):
            return language
        if wanted in (n.casefold() for n in _other_names(language)):
            return language
    base = wanted.split("-")[0]
    for language in LANGUAGES:
        if language.split("-")[0].casefold() == base:
            return language
    return None


def babel_locale(language: str) -> str:
    return language.replace("-", "_") if language != PSEUDO else ENGLISH


@functools.cache
def _native_name(language: str) -> str:
    name = Locale.parse(babel_locale(language)).display_name or language
    return name[:1].upper() + name[1:]


def native_name(language: str) -> str:
    """A language as its speakers name it: "Deutsch", "Português (Brasil)"."""
    return _native_name(language)


@functools.cache
def _other_names(language: str) -> tuple[str, ...]:
    """Names people may type for it: in English and without the region."""
    locale = Locale.parse(babel_locale(language))
    english = locale.get_display_name(ENGLISH) or ""
    return (english, locale.get_language_name(ENGLISH) or "", locale.language_name or "")


# -- catalogs --------------------------------------------------------------------------


class _Pseudo(gettext.NullTranslations):
    """Every message wrapped in ⟦…⟧, its letters accented and a third longer: a string
    that escaped translation shows as plain ASCII; one too long for its place overflows.
    Placeholders and backticked commands stay as they are (commands are the interface)."""

    def gettext(self, message: str) -> str:
        return pseudo(message)

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        return pseudo(msgid1 if n == 1 else msgid2)

    def pgettext(self, context: str, message: str) -> str:
        return pseudo(message)


_ACCENTED = str.maketrans(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "àƀçđéƒĝĥîĵķĺɱñöþǫŕšţûṽŵẋýžÀƁÇĐÉƑĜĤÎĴĶĹṀÑÖÞǪŔŠŢÛṼŴẊÝŽ",
)
_KEPT = re.compile(r"(\{[^{}]*\}|`[^`]*`|https?://\S+)")
PSEUDO_OPEN, PSEUDO_CLOSE = "⟦", "⟧"


def pseudo(message: str) -> str:
    pieces = _KEPT.split(message)
    shown = "".join(p if i % 2 else p.translate(_ACCENTED) for i, p in enumerate(pieces))
    padding = "·" * (len(message) // 3)
    return f"{PSEUDO_OPEN}{shown}{padding}{PSEUDO_CLOSE}"


@functools.cache
def catalog(language: str) -> gettext.NullTranslations:
    """The translations of ``language`` (English: the ids themselves, and plural rules)."""
    if language == PSEUDO:
        return _Pseudo()
    path = LOCALE_DIR / babel_locale(language) / "LC_MESSAGES" / f"{DOMAIN}.po"
    if language == ENGLISH or not path.exists():
        return gettext.NullTranslations()
    with path.open("rb") as po:
        read = read_po(po, locale=babel_locale(language), domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, read, use_fuzzy=False)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


# -- rendering -------------------------------------------------------------------------


class _Kept(dict[str, str]):
    """Arguments for a translated text: a placeholder the translation got wrong stays
    visible as ``{name}`` rather than failing the whole message."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def translate(text: str, language: str | None) -> str:
    """``text`` with every deferred message written out in ``language`` (English when
    None or not ours)."""
    if _OPEN not in text:
        return text
    chosen = language if language in (*LANGUAGES, PSEUDO) else ENGLISH
    assert chosen is not None
    written = _TOKEN.sub(lambda found: _written_or_dropped(found[1], chosen), text)
    # a mark that opens no token of ours (nobody can type one: core.text.clean_text drops
    # them) goes too, so what is written out is written out once and for all
    return written.translate(_NO_MARKS) if _OPEN in written else written


def _written_or_dropped(payload: str, language: str) -> str:
    """A token as text; one that isn't ours (can't be forged, but a fuzzer or a bug may
    make one) is dropped rather than failing the whole message."""
    try:
        decoded = json.loads(payload)
        return _written(decoded, language) if isinstance(decoded, dict) else ""
    except (ValueError, TypeError, KeyError, IndexError, AttributeError):
        return ""


def _written(payload: dict[str, Any], language: str) -> str:
    if "f" in payload:
        return format_decimal(payload["f"], locale=babel_locale(language))
    if "d" in payload:
        return _day_in(date.fromisoformat(payload["d"]), language, bool(payload.get("s")))
    if "l" in payload:
        items = [translate(str(item), language) for item in payload["l"]]
        return format_list(items, style=payload.get("s", "standard"), locale=babel_locale(language))
    found = catalog(language)
    message: str = payload["i"]
    if "o" in payload:
        count = int(payload["n"])
        shown = found.ngettext(message, payload["o"], count)
        args = {"count": format_decimal(count, locale=babel_locale(language))}
    elif "c" in payload:
        shown, args = found.pgettext(payload["c"], message), {}
    else:
        shown, args = found.gettext(message), {}
    for name, value in (payload.get("a") or {}).items():
        args[name] = translate(value, language) if isinstance(value, str) else str(value)
    if not args and "{" not in shown:
        return shown
    try:
        return shown.format_map(_Kept(args))
    except (ValueError, IndexError, AttributeError, KeyError):
        return message.format_map(_Kept(args))  # a broken translation: the English


@functools.lru_cache(maxsize=4096)
def _day_in(value: date, language: str, short: bool) -> str:
    house = f"{value:%d %b}" if short else f"{value:%a %d %b %Y}"
    if language == PSEUDO:
        return pseudo(house)
    if language == ENGLISH:  # the house style
        return house
    return format_skeleton("MMMd" if short else "yMMMEd", value, locale=babel_locale(language))


@dataclass(frozen=True, slots=True)
class Speaker:
    """Who the bot speaks to, for deciding their language: what they chose, what their
    messenger says, and their program's default."""

    chosen: str = ""
    platform: str = ""
    program: str = ""

    @property
    def language(self) -> str:
        for candidate in (self.chosen, self.platform, self.program):
            if found := supported(candidate):
                return found
        return ENGLISH
