"""Bulk onboarding: a cohort's spreadsheet (CSV) read into typed records, every bad row
named with its line. Pure: nothing here touches storage; ``core/services/importing.py``
checks the records against the database and writes them.

Two files, each with a header row naming its columns (in any order, any case):

* people: ``name, handle, timezone, role`` (required) and ``languages, capacity, skills,
  goals, mode, availability`` (optional; availability in the person's own time, as they
  would type it: "weekdays 9-12", "Tue/Thu evenings");
* pairs: ``mentor_handle, mentee_handle, starts_on`` (required) and ``cadence_days``.

List cells (languages, skills) are separated by ``;``. Unknown columns are refused. Every
value is checked with the same rules as when people type it in chat (``core/text.py``,
the enrolment and agreement dialogs).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Generic, TypeVar

from core.commands.programs import parse_cadence
from core.errors import InvalidInput
from core.i18n import ENGLISH, translate
from core.model import Mode, Role
from core.text import (
    SHORT_TEXT_MAX,
    UnknownZone,
    clean_date,
    clean_handle,
    clean_int,
    clean_languages,
    clean_name,
    clean_skills,
    clean_text,
    clean_timezone,
)

LIST_SEPARATOR = ";"
PEOPLE_REQUIRED = ("name", "handle", "timezone", "role")
PEOPLE_OPTIONAL = ("languages", "capacity", "skills", "goals", "mode", "availability")
PAIRS_REQUIRED = ("mentor_handle", "mentee_handle", "starts_on")
PAIRS_OPTIONAL = ("cadence_days",)
DEFAULT_LANGUAGES = ("en",)
HEADER_LINE = 1
CAPACITY_MAX = 20  # as the enrolment dialog allows

R = TypeVar("R")
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RowProblem:
    """What is wrong with one line of a file (``column`` "" for the whole line)."""

    line: int
    column: str
    message: str

    def __str__(self) -> str:
        """In English: the import is an operator's command line, whose messages from the
        validators of core.text (written for chat, in each reader's language) read so."""
        where = f"line {self.line}" + (f", {self.column}" if self.column else "")
        return translate(f"{where}: {self.message}", ENGLISH)


@dataclass(frozen=True, slots=True)
class PersonRecord:
    line: int
    handle: str
    name: str
    timezone: str
    languages: tuple[str, ...]
    role: Role
    capacity: int  # 0 for mentees
    skills: tuple[str, ...]
    goals: str
    mode: Mode
    availability: str = ""


@dataclass(frozen=True, slots=True)
class PairRecord:
    line: int
    mentor_handle: str
    mentee_handle: str
    starts_on: date
    cadence_days: int | None  # None: the program's cadence


@dataclass(slots=True)
class Parsed(Generic[R]):
    """A file read: the good rows' records and every problem found. ``fatal``: the file
    itself can't be read as asked (its header), so no row can be imported."""

    records: list[R] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    rows: int = 0  # data rows read (blank lines aside)
    fatal: bool = False

    @property
    def bad_lines(self) -> set[int]:
        return {problem.line for problem in self.problems}


def _explained(error: InvalidInput) -> str:
    """The error's message and its hint (the likely fix; only the guess when there is one)."""
    hint = error.guess if isinstance(error, UnknownZone) and error.guess else error.hint or ""
    return f"{error.message} {hint}".strip()


def _rows(
    lines: Iterable[str], required: Sequence[str], optional: Sequence[str], parsed: Parsed[R]
) -> Iterator[tuple[int, dict[str, str]]]:
    """Each data row as (its first line, {column: stripped value}). Header problems are
    recorded as fatal and end the reading."""
    reader = csv.reader(iter(lines))
    header = next(reader, None)
    if header is None or not any(cell.strip() for cell in header):
        parsed.problems.append(
            RowProblem(HEADER_LINE, "", f"no header row: name the columns ({', '.join(required)})")
        )
        parsed.fatal = True
        return
    columns = [cell.strip().lower() for cell in header]
    known = (*required, *optional)
    seen: set[str] = set()
    for column in columns:
        if column not in known:
            allowed = ", ".join(known)
            parsed.problems.append(
                RowProblem(
                    HEADER_LINE,
                    column,
                    f"unknown column '{column[:40]}' (the columns are: {allowed})",
                )
            )
        elif column in seen:
            parsed.problems.append(RowProblem(HEADER_LINE, column, "this column appears twice"))
        seen.add(column)
    for column in required:
        if column not in seen:
            parsed.problems.append(RowProblem(HEADER_LINE, column, "required column missing"))
    if parsed.problems:
        parsed.fatal = True
        return
    last = reader.line_num
    for cells in reader:
        line, last = last + 1, reader.line_num
        if not any(cell.strip() for cell in cells):
            continue  # a blank line
        parsed.rows += 1
        if len(cells) > len(columns):
            parsed.problems.append(
                RowProblem(
                    line, "", f"{len(cells)} values, but the header names {len(columns)} columns"
                )
            )
            continue
        values = dict.fromkeys(columns, "")
        values.update((column, cell.strip()) for column, cell in zip(columns, cells, strict=False))
        yield line, values


class _Row:
    """Reads one row's cells, collecting a problem per bad cell."""

    def __init__(self, line: int, values: dict[str, str], problems: list[RowProblem]) -> None:
        self.line, self.values, self.problems = line, values, problems
        self.bad = False

    def problem(self, column: str, message: str) -> None:
        self.problems.append(RowProblem(self.line, column, message))
        self.bad = True

    def get(self, column: str, required: bool = False) -> str:
        value = self.values.get(column, "")
        if required and not value:
            self.problem(column, "required value missing")
        return value


def parse_people(lines: Iterable[str], *, default_capacity: int) -> Parsed[PersonRecord]:
    """The people file's rows as records. A mentor without a capacity gets
    ``default_capacity``; a person without languages speaks English; without a mode,
    written check-ins (async)."""
    parsed: Parsed[PersonRecord] = Parsed()
    first_line: dict[str, int] = {}
    for line, values in _rows(lines, PEOPLE_REQUIRED, PEOPLE_OPTIONAL, parsed):
        row = _Row(line, values, parsed.problems)
        record = _person(row, default_capacity)
        handle = record.handle if record is not None else _valid_handle(values["handle"])
        if handle is not None and handle in first_line:
            row.problem("handle", f"@{handle} is already on line {first_line[handle]}")
        elif handle is not None:
            first_line[handle] = line
        if record is not None and not row.bad:
            parsed.records.append(record)
    return parsed


def _cell(row: _Row, column: str, clean: Callable[[str], T], *, required: bool = False) -> T | None:
    """The cell cleaned, or None when it is empty or bad (a bad one is recorded)."""
    raw = row.get(column, required=required)
    if not raw:
        return None
    try:
        return clean(raw)
    except InvalidInput as error:
        row.problem(column, _explained(error))
        return None


def _valid_handle(raw: str) -> str | None:
    try:
        return clean_handle(raw)
    except InvalidInput:
        return None


def _remembered(clean: Callable[[str], T]) -> Callable[[str], T]:
    """``clean`` remembering its answers: a cohort repeats its zones and languages."""
    known: dict[str, T | InvalidInput] = {}

    def cleaned(raw: str) -> T:
        found = known.get(raw)
        if found is None:
            if len(known) >= 10_000:  # a file of all-different values: stay small
                known.clear()
            try:
                found = known[raw] = clean(raw)
            except InvalidInput as error:
                found = known[raw] = error
        if isinstance(found, InvalidInput):
            raise found
        return found

    return cleaned


_zone = _remembered(clean_timezone)
_languages = _remembered(lambda raw: clean_languages(raw.replace(LIST_SEPARATOR, ",")))


def _person(row: _Row, default_capacity: int) -> PersonRecord | None:
    name = _cell(row, "name", clean_name, required=True)
    handle = _cell(row, "handle", clean_handle, required=True)
    zone = _cell(row, "timezone", _zone, required=True)
    languages = _cell(row, "languages", _languages)
    role = _cell(row, "role", _role, required=True)
    skills = _cell(
        row, "skills", lambda raw: clean_skills(raw.split(LIST_SEPARATOR), required=False)
    )
    goals = _cell(row, "goals", lambda raw: clean_text(raw, what="goals", limit=SHORT_TEXT_MAX))
    mode = _cell(row, "mode", _mode)
    availability = _cell(
        row, "availability", lambda raw: clean_text(raw, what="availability", limit=200)
    )
    capacity: int | None = 0
    if role is Role.MENTOR:
        capacity = _cell(
            row, "capacity", lambda raw: clean_int(raw, what="capacity", low=1, high=CAPACITY_MAX)
        )
        capacity = default_capacity if capacity is None and not row.get("capacity") else capacity
    elif role is Role.MENTEE and row.get("capacity") not in ("", "0"):
        row.problem("capacity", "only mentors have a capacity; leave it empty for a mentee")
    if row.bad or name is None or handle is None or zone is None or role is None:
        return None
    return PersonRecord(
        line=row.line,
        handle=handle,
        name=name,
        timezone=zone,
        languages=languages or DEFAULT_LANGUAGES,
        role=role,
        capacity=capacity or 0,
        skills=skills or (),
        goals=goals or "",
        mode=mode or Mode.ASYNC,
        availability=availability or "",
    )


def _role(raw: str) -> Role:
    value = raw.strip().lower()
    if value not in (Role.MENTOR.value, Role.MENTEE.value):
        raise InvalidInput(f"'{raw[:20]}' is not a role: write mentor or mentee.")
    return Role(value)


def _mode(raw: str) -> Mode:
    try:
        return Mode(raw.strip().lower())
    except ValueError:
        raise InvalidInput(f"'{raw[:20]}' is not a mode: write async, chat or call.") from None


def parse_pairs(lines: Iterable[str]) -> Parsed[PairRecord]:
    """The pairs file's rows as records: what can be checked without the database (the
    handles' form, the dates, cadences, a pair or a mentee listed twice)."""
    parsed: Parsed[PairRecord] = Parsed()
    pair_line: dict[tuple[str, str], int] = {}
    mentee_line: dict[str, int] = {}
    for line, values in _rows(lines, PAIRS_REQUIRED, PAIRS_OPTIONAL, parsed):
        row = _Row(line, values, parsed.problems)
        handles: dict[str, str] = {}
        for column in ("mentor_handle", "mentee_handle"):
            raw = row.get(column, required=True)
            if raw:
                try:
                    handles[column] = clean_handle(raw)
                except InvalidInput as error:
                    row.problem(column, _explained(error))
        starts_on: date | None = None
        if raw_day := row.get("starts_on", required=True):
            try:
                starts_on = clean_date(raw_day)
            except InvalidInput as error:
                row.problem("starts_on", _explained(error))
        cadence: int | None = None
        if raw_cadence := row.get("cadence_days"):
            try:
                cadence = parse_cadence(raw_cadence)
            except InvalidInput as error:
                row.problem("cadence_days", error.message)
        if row.bad or starts_on is None:
            continue
        mentor, mentee = handles["mentor_handle"], handles["mentee_handle"]
        if mentor == mentee:
            row.problem("mentee_handle", "nobody can mentor themselves")
        elif (mentor, mentee) in pair_line:
            row.problem("", f"the same pair is already on line {pair_line[mentor, mentee]}")
        elif mentee in mentee_line:
            row.problem(
                "mentee_handle",
                f"@{mentee} already has a mentor on line {mentee_line[mentee]} "
                "(one pair per mentee in a program)",
            )
        if row.bad:
            continue
        pair_line[mentor, mentee] = mentee_line[mentee] = line
        parsed.records.append(PairRecord(line, mentor, mentee, starts_on, cadence))
    return parsed
