"""The message catalogs: extracted from the source, merged into each language's ``.po``,
and checked (docs/translating.md).

    python3 dev.py messages          extract, then update every catalog (new messages
                                     come in untranslated, gone ones are dropped)
    python3 dev.py messages check    fail when a catalog misses a message, keeps a stale
                                     one, or a translation changed a placeholder or command

English is the source: each message's id is its English text, and ``en.po`` repeats it
(a copy editor can reword it there without touching code).
"""

from __future__ import annotations

import copy
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from core.i18n import DOMAIN, ENGLISH, LANGUAGES, LOCALE_DIR, babel_locale

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("core", "adapters")  # what people read; bots/ speaks to operators, in English
KEYWORDS = {"_": None, "n_": (1, 2), "p_": ((1, "c"), 2), "N_": None}
COMMENT_TAG = "Translators:"
TEMPLATE = LOCALE_DIR / f"{DOMAIN}.pot"
_HEADER = "# mentorhub's messages. Extracted from the source: docs/translating.md.\n#"
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")
_COMMAND = re.compile(r"`[^`]*`")


def extract() -> Catalog:
    """Every message the source says, with where it is and its translator comments."""
    template = Catalog(domain=DOMAIN, project="mentorhub", fuzzy=False, header_comment=_HEADER)
    for source in SOURCES:
        found = extract_from_dir(
            ROOT / source,
            method_map=[("**.py", "python")],
            keywords=KEYWORDS,
            comment_tags=(COMMENT_TAG,),
            strip_comment_tags=True,
        )
        for filename, lineno, message, comments, context in found:
            template.add(
                message,
                None,
                [(f"{source}/{filename}", lineno)],
                auto_comments=comments,
                context=context,
            )
    return template


def path_of(language: str) -> Path:
    return LOCALE_DIR / babel_locale(language) / "LC_MESSAGES" / f"{DOMAIN}.po"


def read(language: str) -> Catalog:
    path = path_of(language)
    if not path.exists():
        return Catalog(locale=babel_locale(language), domain=DOMAIN)
    with path.open("rb") as po:
        return read_po(po, locale=babel_locale(language), domain=DOMAIN)


def write(catalog: Catalog, path: Path) -> None:
    catalog.fuzzy = False  # a fuzzy header would lose the plural rules when compiled
    catalog.project, catalog.header_comment = "mentorhub", _HEADER
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as po:
        write_po(po, catalog, width=96, sort_output=True, ignore_obsolete=True)


def update() -> Catalog:
    """Extract, write the template, and bring every language's catalog up to it."""
    template = extract()
    write(template, TEMPLATE)
    for language in LANGUAGES:
        catalog = read(language)
        # a copy each: update() takes the template's new entries as they are, and the
        # English filled in below must not become every other language's translation
        catalog.update(copy.deepcopy(template), no_fuzzy_matching=True, update_creation_date=False)
        if language == ENGLISH:
            for message in catalog:
                if message.id and not _translated(message):
                    message.string = message.id
        write(catalog, path_of(language))
    return template


@dataclass(frozen=True, slots=True)
class Problem:
    language: str
    message: str
    what: str

    def __str__(self) -> str:
        return f"{self.language}: {self.what}: {self.message[:90]!r}"


def problems(template: Catalog | None = None) -> list[Problem]:
    """What keeps the catalogs from matching the source (empty: they all do)."""
    template = template or extract()
    wanted = {_key(m) for m in template if m.id}
    found: list[Problem] = []
    for language in LANGUAGES:
        catalog = read(language)
        have = {_key(m): m for m in catalog if m.id}
        for key in sorted(wanted - have.keys(), key=str):
            found.append(Problem(language, _text(key), "missing"))
        for key in sorted(have.keys() - wanted, key=str):
            found.append(Problem(language, _text(key), "stale (no longer in the source)"))
        for key in sorted(wanted & have.keys(), key=str):
            found.extend(_checked(language, have[key]))
    return found


def _checked(language: str, message: Message) -> Iterator[Problem]:
    ids = _strings(message.id)
    strings = _strings(message.string)
    if not _translated(message):
        yield Problem(language, ids[0], "untranslated")
        return
    if "fuzzy" in message.flags:
        yield Problem(language, ids[0], "marked fuzzy (needs a translator's look)")
    said = {p for i in ids for p in _PLACEHOLDER.findall(i)}
    commands = {c for i in ids for c in _COMMAND.findall(i)}
    for string in strings:
        got = set(_PLACEHOLDER.findall(string))
        if isinstance(message.id, tuple):  # a plural form may leave out the number
            if unknown := got - said - {"{count}"}:
                yield Problem(language, ids[0], f"unknown placeholders {sorted(unknown)}")
        elif got != said:
            yield Problem(language, ids[0], f"placeholders {sorted(got)}, not {sorted(said)}")
        if not set(_COMMAND.findall(string)) <= commands or (
            not isinstance(message.id, tuple) and set(_COMMAND.findall(string)) != commands
        ):
            yield Problem(language, ids[0], "commands in backticks must stay as they are")


def _strings(value: object) -> tuple[str, ...]:
    """A message's id or translation as its forms (one, or one per plural form)."""
    if isinstance(value, tuple | list):
        return tuple(str(v or "") for v in value)
    return (str(value or ""),)


def _translated(message: Message) -> bool:
    strings = _strings(message.string)
    return all(strings) and bool(strings)


def _key(message: Message) -> tuple[str | None, str]:
    first = message.id[0] if isinstance(message.id, tuple) else message.id
    return (message.context, str(first))


def _text(key: tuple[str | None, str]) -> str:
    return key[1] if key[0] is None else f"{key[0]} | {key[1]}"


def main(argv: list[str]) -> int:
    if argv[:1] == ["check"]:
        found = problems()
        for problem in found:
            print(problem)
        print(
            f"{len(found)} problem(s) in the catalogs." if found else "The catalogs are complete."
        )
        return 1 if found else 0
    template = update()
    print(f"{len(template)} messages; catalogs updated in {LOCALE_DIR.relative_to(ROOT)}.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
