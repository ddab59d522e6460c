"""The page's reader: their language and clock, for writing out messages and moments.

A page is built for one request, in one task: the server says who reads it
(:func:`reading`) and every value goes through :func:`e`, which writes each message and
moment out in the reader's language and zone first and escapes the result after — so a
translation is escaped like any other text and never becomes markup.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from html import escape

from core.i18n import ENGLISH, supported, translate
from core.messages import fill_moments, in_zone

_LANGUAGE: ContextVar[str] = ContextVar("page_language", default=ENGLISH)
_ZONE: ContextVar[str] = ContextVar("page_zone", default="UTC")


@contextmanager
def reading(language: str, zone: str = "UTC") -> Iterator[None]:
    """Pages built inside are written in ``language``, times on the clock of ``zone``."""
    language_set, zone_set = _LANGUAGE.set(language), _ZONE.set(zone or "UTC")
    try:
        yield
    finally:
        _LANGUAGE.reset(language_set)
        _ZONE.reset(zone_set)


def read_by(language: str, zone: str) -> None:
    """From here on in this request, pages are for a reader known now (signed in); the
    enclosing :func:`reading` ends it with the request."""
    _LANGUAGE.set(language)
    _ZONE.set(zone or "UTC")


def language() -> str:
    return _LANGUAGE.get()


def shown(value: object) -> str:
    """``value`` as its reader reads it: messages translated, moments written out."""
    language = _LANGUAGE.get()
    text = translate(str(value), language)
    return fill_moments(text, in_zone(_ZONE.get(), language))


def e(value: object) -> str:
    """``value`` as its reader reads it, escaped for HTML text and attributes."""
    return escape(shown(value), quote=True)


def accepted(header: str | None) -> str:
    """The first language of an ``Accept-Language`` header that we speak (by the order
    given, weights aside), else English."""
    for part in (header or "").split(","):
        tag = part.split(";")[0].strip()
        if tag and tag != "*" and (found := supported(tag)):
            return found
    return ENGLISH
