"""The catalogs match the source: every message translated in every language, none stale,
placeholders and commands kept. Adding a string without its translations fails here (the
fix: `python3 dev.py messages`, then translate what it marks; docs/translating.md)."""

from __future__ import annotations

import pytest

from bots import catalogs
from core.i18n import LANGUAGES


def test_every_catalog_has_every_message_and_nothing_stale() -> None:
    template = catalogs.extract()
    assert len(template) > 50  # the source says things: extraction found them
    problems = catalogs.problems(template)
    shown = "\n".join(map(str, problems[:40]))
    assert not problems, (
        f"{len(problems)} catalog problem(s); run `python3 dev.py messages`:\n{shown}"
    )


def test_the_check_sees_a_missing_a_stale_and_a_broken_translation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    template = catalogs.extract()
    with_placeholder, plain = (
        next(
            m
            for m in template
            if m.id and isinstance(m.id, str) and not m.context and ("{" in m.id) is wanted
        )
        for wanted in (True, False)
    )
    language = LANGUAGES[1]
    catalog = catalogs.read(language)
    broken = catalog.get(with_placeholder.id, with_placeholder.context)
    assert broken is not None
    broken.string = "no placeholder left"
    catalog.delete(plain.id, plain.context)
    catalog.add("A message the source no longer says", "Eine Nachricht")
    read = catalogs.read
    monkeypatch.setattr(catalogs, "read", lambda lang: catalog if lang == language else read(lang))
    problems = [p for p in catalogs.problems(template) if p.language == language]
    found = {(p.message, p.what.split(" ")[0]) for p in problems}
    assert ("A message the source no longer says", "stale") in found
    assert (plain.id, "missing") in found
    assert (with_placeholder.id, "placeholders") in found
