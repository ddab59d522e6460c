"""Reading a cohort's CSV files: every kind of bad row is named with its line and column."""

from __future__ import annotations

from datetime import date

import pytest

from core.importing import parse_pairs, parse_people
from core.model import Mode, Role

PEOPLE_HEADER = "name,handle,timezone,languages,role,capacity,skills,goals,mode"
PAIRS_HEADER = "mentor_handle,mentee_handle,starts_on,cadence_days"
GOOD_MENTOR = "Dana Berg,dana,Europe/Berlin,en;de,mentor,3,figma;career,,call"
GOOD_MENTEE = "Mia Sousa,mia,Lisbon,en;pt,mentee,,figma,Get a design job,"


def people(*rows: str, header: str = PEOPLE_HEADER):  # type: ignore[no-untyped-def]
    return parse_people([header, *rows], default_capacity=2)


def problems_of(parsed) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(problem) for problem in parsed.problems]


def test_good_rows_become_typed_records_with_the_chat_rules_applied() -> None:
    parsed = people(GOOD_MENTOR, GOOD_MENTEE, "Eve Lund,@Eve_L,pst,,mentor,,,,")
    assert parsed.problems == [] and parsed.rows == 3
    dana, mia, eve = parsed.records
    assert (dana.role, dana.capacity, dana.skills, dana.mode) == (
        Role.MENTOR,
        3,
        ("figma", "career"),
        Mode.CALL,
    )
    assert (mia.timezone, mia.languages, mia.capacity, mia.mode) == (
        "Europe/Lisbon",
        ("en", "pt"),
        0,
        Mode.ASYNC,
    )
    assert mia.goals == "Get a design job" and mia.line == 3
    # a handle as people type it, an abbreviation for a zone, and the defaults
    assert (eve.handle, eve.timezone, eve.languages, eve.capacity) == (
        "eve_l",
        "America/Los_Angeles",
        ("en",),
        2,
    )


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (",dana,Europe/Berlin,en,mentor,2,,,", "line 2, name: required value missing"),
        ("Dana,,Europe/Berlin,en,mentor,2,,,", "line 2, handle: required value missing"),
        ("Dana,dana,Mars/Olympus,en,mentor,2,,,", "line 2, timezone: 'Mars/Olympus' is not a"),
        ("Dana,dana,Berlin/Europe,en,mentor,2,,,", "Did you mean Europe/Berlin?"),
        ("Dana,dana,Europe/Berlin,english,mentor,2,,,", "line 2, languages: 'english' is not"),
        ("Dana,dana,Europe/Berlin,en,boss,2,,,", "line 2, role: 'boss' is not a role"),
        ("Dana,dana,Europe/Berlin,en,,2,,,", "line 2, role: required value missing"),
        ("Dana,dana,Europe/Berlin,en,mentor,lots,,,", "line 2, capacity: The capacity must be"),
        ("Dana,dana,Europe/Berlin,en,mentor,0,,,", "line 2, capacity: The capacity must be"),
        ("Dana,dana,Europe/Berlin,en,mentor,21,,,", "capacity must be from 1 to 20"),
        ("Mia,mia,Europe/Lisbon,en,mentee,2,,,", "line 2, capacity: only mentors have a"),
        ("Dana,dana,Europe/Berlin,en,mentor,2,,,walk", "line 2, mode: 'walk' is not a mode"),
        ("Dana,x,Europe/Berlin,en,mentor,2,,,", "line 2, handle: 'x' is not a valid handle"),
        ("Dana,dana berg,Europe/Berlin,en,mentor,2,,,", "line 2, handle: 'dana berg' is not"),
        ("Dana," + "d" * 25 + ",Europe/Berlin,en,mentor,2,,,", "is not a valid handle"),
        ("Dana,dana,Europe/Berlin,en,mentor,2," + ";".join("s" * 13) + ",,", "limit is 12"),
        ("Dana,dana,Europe/Berlin,en,mentor,2,,,,extra", "line 2: 10 values, but the header"),
    ],
)
def test_each_kind_of_bad_people_row_is_named_with_its_line(row: str, expected: str) -> None:
    parsed = people(row)
    assert parsed.records == []
    assert any(expected in problem for problem in problems_of(parsed)), problems_of(parsed)


def test_every_bad_row_and_every_bad_cell_is_reported_not_only_the_first() -> None:
    parsed = people(
        GOOD_MENTOR, "Bob,bob,Nowhere,en,boss,,,,", "", GOOD_MENTEE, "X,x,UTC,en,mentee,,,,"
    )
    assert [r.handle for r in parsed.records] == ["dana", "mia"]
    assert [(p.line, p.column) for p in parsed.problems] == [
        (3, "timezone"),
        (3, "role"),
        (6, "handle"),  # the blank line 4 is skipped, but still counted
    ]
    assert parsed.bad_lines == {3, 6} and parsed.rows == 4 and not parsed.fatal


def test_a_handle_twice_in_the_file_names_the_first_line() -> None:
    parsed = people(GOOD_MENTOR, GOOD_MENTEE, "Dana Other,DANA,UTC,en,mentee,,,,")
    assert problems_of(parsed) == ["line 4, handle: @dana is already on line 2"]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (PEOPLE_HEADER + ",email", "line 1, email: unknown column 'email'"),
        ("name,handle,timezone,languages", "line 1, role: required column missing"),
        ("name,handle,handle,timezone,role", "line 1, handle: this column appears twice"),
        ("", "line 1: no header row"),
    ],
)
def test_header_problems_refuse_the_whole_file(header: str, expected: str) -> None:
    parsed = people(GOOD_MENTOR, header=header)
    assert parsed.fatal and parsed.records == []
    assert expected in problems_of(parsed)[0]


def test_columns_in_any_order_and_case_and_only_the_required_ones() -> None:
    parsed = people("Europe/Berlin,mentee,Mia,mia", header="TimeZone,Role,Name,Handle")
    assert parsed.problems == []
    assert parsed.records[0].handle == "mia" and parsed.records[0].languages == ("en",)


def test_quoted_cells_with_commas_and_line_breaks_keep_line_numbers_right() -> None:
    text = (
        f'{PEOPLE_HEADER}\n"Berg, Dana",dana,UTC,en,mentor,2,,"one\ntwo",\nX,x,UTC,en,mentee,,,,\n'
    )
    parsed = parse_people(text.splitlines(keepends=True), default_capacity=2)
    assert parsed.records[0].name == "Berg, Dana"
    assert problems_of(parsed)[0].startswith("line 4, handle")


# --- pairs ---------------------------------------------------------------------------------


def pairs(*rows: str, header: str = PAIRS_HEADER):  # type: ignore[no-untyped-def]
    return parse_pairs([header, *rows])


def test_good_pair_rows() -> None:
    parsed = pairs("dana,mia,2026-03-02,weekly", "@Erik,olga,2026-03-09,")
    assert parsed.problems == []
    first, second = parsed.records
    assert (first.mentor_handle, first.starts_on, first.cadence_days) == (
        "dana",
        date(2026, 3, 2),
        7,
    )
    assert (second.mentor_handle, second.cadence_days) == ("erik", None)  # the program's


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (["dana,mia,2026-13-02,7"], "line 2, starts_on: '2026-13-02' is not a date"),
        (["dana,mia,,7"], "line 2, starts_on: required value missing"),
        (["dana,mia,2026-03-02,0"], "line 2, cadence_days: The cadence in days must be"),
        (["dana,mia,2026-03-02,often"], "line 2, cadence_days: The cadence"),
        (["dana,mia,2026-03-02,91"], "line 2, cadence_days: The cadence"),
        (["d,mia,2026-03-02,7"], "line 2, mentor_handle: 'd' is not a valid handle"),
        ([",mia,2026-03-02,7"], "line 2, mentor_handle: required value missing"),
        (["dana,dana,2026-03-02,7"], "line 2, mentee_handle: nobody can mentor themselves"),
        (["dana,mia,2026-03-02,7", "dana,mia,2026-03-09,7"], "line 3: the same pair is already"),
        (["dana,mia,2026-03-02,7", "erik,mia,2026-03-02,7"], "@mia already has a mentor on line 2"),
    ],
)
def test_each_kind_of_bad_pair_row_is_named_with_its_line(rows: list[str], expected: str) -> None:
    parsed = pairs(*rows)
    assert any(expected in problem for problem in problems_of(parsed)), problems_of(parsed)


def test_a_pairs_file_with_an_unknown_column_is_refused() -> None:
    parsed = pairs("dana,mia,2026-03-02,7,x", header=PAIRS_HEADER + ",notes")
    assert parsed.fatal and "unknown column 'notes'" in problems_of(parsed)[0]


def test_the_example_files_read_cleanly() -> None:
    from pathlib import Path

    examples = Path(__file__).resolve().parents[2] / "examples"
    cohort = parse_people(
        (examples / "cohort-people.csv").read_text(encoding="utf-8").splitlines(),
        default_capacity=2,
    )
    running = parse_pairs((examples / "cohort-pairs.csv").read_text().splitlines())
    assert (cohort.problems, running.problems) == ([], [])
    assert len(cohort.records) == 4 and len(running.records) == 1


def test_an_imported_pair_against_a_block_reads_like_a_paused_mentor() -> None:
    """The importer (a coordinator) can't tell a confidential block from a pause."""
    from datetime import UTC, datetime, timedelta

    from core.identity import Person
    from core.importing import PairRecord
    from core.model import Program
    from core.services.importing import _pair_problems

    now = datetime(2026, 3, 2, 9, tzinfo=UTC)
    program = Program(slug="prog", name="Prog", created_at=now, id=1)
    erik = Person("erik", "Erik", "UTC", ("en",), now, id=1)
    mia = Person("mia", "Mia", "UTC", ("en",), now, id=2)
    record = PairRecord(2, "erik", "mia", date(2026, 3, 2), 7)
    enrolled = {(1, Role.MENTOR), (2, Role.MENTEE)}

    def problems(blocks: set[tuple[int, int]]) -> list[str]:
        found = _pair_problems(record, program, {"erik": erik, "mia": mia}, enrolled, blocks, now)
        return [f"{p.column}: {p.message}" for p in found]

    blocked = problems({(2, 1)})
    erik.paused_until = now + timedelta(days=3)
    assert blocked == problems(set()) == ["mentor_handle: @erik can't be paired right now"]
