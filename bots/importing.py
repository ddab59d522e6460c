"""`mentorhub import people|pairs PROGRAM FILE`: a cohort from a spreadsheet.

The file is read whole (UTF-8, with or without a byte-order mark), every row is checked,
and every bad row is reported on stderr with its line number. Nothing is written when
any row is bad, unless ``--skip-bad`` asks for the good rows only. The summary goes to
stdout; large files report progress on stderr as they are written.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from bots.bootstrap import Mentorhub, build
from bots.config import Config
from bots.runner import opening_database, prepare_database
from core.clock import Clock
from core.errors import NotFound
from core.importing import Parsed, RowProblem, parse_pairs, parse_people
from core.services.importing import check_pairs, import_pairs, import_people, program_named

PROGRESS_FROM = 20_000  # rows: smaller files import in a blink and say nothing meanwhile
PROGRESS_EVERY = 10_000
EXIT_BAD_ROWS = 2


class ImportProblem(Exception):
    """The import can't go ahead (a file that can't be read, an unknown program)."""


def read_csv_text(path: Path) -> str:
    """The file's text: UTF-8, a leading byte-order mark dropped (spreadsheets add one)."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ImportProblem(f"can't read {path}: {error.strerror or error}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ImportProblem(
            f"{path} is not UTF-8 text (line {line}): save it as CSV UTF-8 and try again"
        ) from None


def _lines(text: str) -> io.StringIO:
    return io.StringIO(text, newline="")  # the csv module reads line ends itself


class _Progress:
    """Every PROGRESS_EVERY rows written, for files of PROGRESS_FROM rows or more."""

    def __init__(self, err: TextIO) -> None:
        self.err, self.shown = err, 0

    def __call__(self, done: int, total: int) -> None:
        if total < PROGRESS_FROM or (done - self.shown < PROGRESS_EVERY and done < total):
            return
        self.shown = done
        print(f"  {done:,} of {total:,} rows written", file=self.err, flush=True)


async def run_import(
    config: Config,
    kind: str,
    slug: str,
    path: Path,
    *,
    skip_bad: bool,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
    clock: Clock | None = None,
) -> int:
    """Returns the exit status: 0 when imported, 2 when rows are bad (nothing imported).
    ``clock``: the moment it imports at (tests; the system clock otherwise)."""
    text = read_csv_text(path)
    app = build(config, messengers=(), clock=clock)
    try:
        await prepare_database(app)
        async with opening_database(app.engine):
            return await _import(app, kind, slug, text, skip_bad=skip_bad, out=out, err=err)
    finally:
        await app.close()


async def _import(
    app: Mentorhub, kind: str, slug: str, text: str, *, skip_bad: bool, out: TextIO, err: TextIO
) -> int:
    try:
        program = await program_named(app.uow_factory, slug)
    except NotFound as error:
        raise ImportProblem(error.user_text().replace("\n", " ")) from None
    now = app.clock.now()
    if kind == "people":
        people = parse_people(_lines(text), default_capacity=app.hub.settings.default_capacity)
        if _refused(people, skip_bad, err):
            return EXIT_BAD_ROWS
        _announce(people.rows, err)
        counts = await import_people(
            app.uow_factory, program, people.records, now=now, progress=_Progress(err)
        )
        print(
            f"imported {counts.total:,} people: {counts.new:,} new, {counts.updated:,} updated, "
            f"{counts.unchanged:,} unchanged" + _skipped(people.bad_lines),
            file=out,
        )
        return 0
    pairs = parse_pairs(_lines(text))
    if not pairs.fatal:
        _announce(pairs.rows, err)
        check = await check_pairs(app.uow_factory, program, pairs.records, now=now)
        pairs.problems += check.problems
        pairs.records = check.good
    else:
        check = None
    if _refused(pairs, skip_bad, err):
        return EXIT_BAD_ROWS
    assert check is not None
    made = await import_pairs(
        app.uow_factory, program, pairs.records, now=now, progress=_Progress(err)
    )
    print(
        f"imported {made + check.unchanged:,} pairs: {made:,} new, {check.unchanged:,} "
        "unchanged" + _skipped(pairs.bad_lines),
        file=out,
    )
    return 0


def _announce(rows: int, err: TextIO) -> None:
    if rows >= PROGRESS_FROM:
        print(f"mentorhub import: {rows:,} rows checked; writing…", file=err, flush=True)


def _refused(parsed: Parsed[Any], skip_bad: bool, err: TextIO) -> bool:
    """Report every problem; True when nothing may be imported."""
    report(parsed.problems, err)
    if parsed.fatal:
        print("mentorhub import: nothing imported: fix the header row.", file=err)
        return True
    bad = len(parsed.bad_lines)
    if bad and not skip_bad:
        print(
            f"mentorhub import: nothing imported: {bad:,} of {parsed.rows:,} rows are bad. "
            "Fix them, or add --skip-bad to import the good rows only.",
            file=err,
        )
        return True
    return False


def report(problems: Sequence[RowProblem], err: TextIO) -> None:
    for problem in sorted(problems, key=lambda p: p.line):
        print(f"  {problem}", file=err)


def _skipped(bad_lines: set[int]) -> str:
    return f"; {len(bad_lines):,} bad rows skipped" if bad_lines else ""
