"""`mentorhub import people|pairs`: all or nothing (or --skip-bad), idempotent, and the
imported pairs run like pairs agreed in chat; an imported person claims their profile
with `start @handle`."""

from __future__ import annotations

import io
from pathlib import Path

from bots.bootstrap import Mentorhub
from bots.config import Config, DatabaseConfig
from bots.importing import run_import
from core.clock import ManualClock
from core.services.schedule import CHECKIN_OPEN
from tests.bots.test_startup import mentorhub
from tests.console_harness import ConsoleSession, own, told
from tests.journeys.test_reads_never_write import row_counts, snapshot

PEOPLE = """\ufeffname,handle,timezone,languages,role,capacity,skills,goals,mode
Dana Berg,dana,Europe/Berlin,en;de,mentor,2,figma;career,,async
Erik Lund,erik,America/New_York,en,mentor,1,figma,,call
Mia Sousa,mia,Europe/Lisbon,en;pt,mentee,,figma,Get a design job,async
Olga Ivanova,olga,Europe/Warsaw,en,mentee,,ux,,chat
Pia Park,pia,Asia/Seoul,en;ko,mentee,,,,
"""
PAIRS = """mentor_handle,mentee_handle,starts_on,cadence_days
dana,mia,2026-03-02,weekly
erik,olga,2026-03-09,14
"""


async def importing(
    app: Mentorhub, kind: str, text: str, tmp_path: Path, *, skip_bad: bool = False
) -> tuple[int, str, str]:
    path = tmp_path / f"{kind}.csv"
    path.write_text(text, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    config = Config(database=DatabaseConfig(url=app.config.database.url))
    status = await run_import(
        config, kind, "prog", path, skip_bad=skip_bad, out=out, err=err, clock=app.clock
    )
    return status, out.getvalue(), err.getvalue()


async def program(app: Mentorhub) -> ConsoleSession:
    c = ConsoleSession(app)
    await c.register("cora", "Cora Lead", "Europe/London")
    await c.say("cora", "newprogram prog Test program")
    return c


async def test_people_then_pairs_import_and_a_second_run_changes_nothing(
    app: Mentorhub, tmp_path: Path
) -> None:
    await program(app)
    status, out, err = await importing(app, "people", PEOPLE, tmp_path)
    assert (status, err) == (0, "")
    assert out == "imported 5 people: 5 new, 0 updated, 0 unchanged\n"
    status, out, err = await importing(app, "pairs", PAIRS, tmp_path)
    assert (status, err) == (0, "")
    assert out == "imported 2 pairs: 2 new, 0 unchanged\n"

    async with app.uow() as uow:
        mia = await uow.people.by_handle("mia")
        assert mia is not None and mia.id is not None
        (pair,) = await uow.pairs.of_person(mia.id)
        assert (pair.status.value, pair.origin) == ("active", "imported")
        (agreement,) = await uow.agreements.of_pair(pair.id or 0)
        assert agreement.status == "confirmed" and set(agreement.confirmed_by) == {
            pair.mentor_id,
            pair.mentee_id,
        }
        assert (agreement.cadence_days, agreement.goals) == (7, "Get a design job")
        enrollment = await uow.enrollments.find(pair.program_id, mia.id, pair_role("mentee"))
        assert enrollment is not None and enrollment.waiting_since is None
        items = await uow.due.for_subject(f"pair:{pair.id}")
        assert {item.kind for item in items if item.period == 0} >= {CHECKIN_OPEN}
        pia = await uow.people.by_handle("pia")
        assert pia is not None and pia.id is not None
        pia_in = await uow.enrollments.find(pair.program_id, pia.id, pair_role("mentee"))
        assert pia_in is not None and pia_in.waiting_since is not None  # still to be matched

    before = await snapshot(app)
    status, out, _ = await importing(app, "people", PEOPLE, tmp_path)
    assert out == "imported 5 people: 0 new, 0 updated, 5 unchanged\n"
    status, out, _ = await importing(app, "pairs", PAIRS, tmp_path)
    assert out == "imported 2 pairs: 0 new, 2 unchanged\n"
    assert await snapshot(app) == before


def pair_role(name: str):  # type: ignore[no-untyped-def]
    from core.model import Role

    return Role(name)


async def test_a_changed_row_updates_the_enrolment_and_an_unclaimed_profile(
    app: Mentorhub, tmp_path: Path
) -> None:
    await program(app)
    await importing(app, "people", PEOPLE, tmp_path)
    changed = PEOPLE.replace(
        "Dana Berg,dana,Europe/Berlin,en;de,mentor,2", "Dana B,dana,UTC,en,mentor,3"
    )
    _, out, _ = await importing(app, "people", changed, tmp_path)
    assert out == "imported 5 people: 0 new, 1 updated, 4 unchanged\n"
    async with app.uow() as uow:
        dana = await uow.people.by_handle("dana")
        assert dana is not None and dana.id is not None
        assert (dana.name, dana.timezone, dana.languages) == ("Dana B", "UTC", ("en",))
        (enrollment,) = await uow.enrollments.of_person(dana.id)
        assert enrollment.capacity == 3


async def test_bad_rows_import_nothing_and_each_is_named_with_its_line(
    app: Mentorhub, tmp_path: Path
) -> None:
    await program(app)
    bad = PEOPLE + "Bad Zone,badzone,Mars/Olympus,en,mentee,,,,\nNo Role,norole,UTC,en,boss,,,,\n"
    before = row_counts(await snapshot(app))
    status, out, err = await importing(app, "people", bad, tmp_path)
    assert status == 2 and out == ""
    assert "  line 7, timezone: 'Mars/Olympus' is not a time zone I know." in err
    assert "  line 8, role: 'boss' is not a role" in err
    assert "nothing imported: 2 of 7 rows are bad" in err and "--skip-bad" in err
    assert row_counts(await snapshot(app)) == before

    status, out, err = await importing(app, "people", bad, tmp_path, skip_bad=True)
    assert status == 0 and "line 7, timezone" in err
    assert out == "imported 5 people: 5 new, 0 updated, 0 unchanged; 2 bad rows skipped\n"


async def test_pairs_are_checked_against_the_program(
    app: Mentorhub, tmp_path: Path, clock: ManualClock
) -> None:
    c = await program(app)
    more = "".join(f"{n.title()},{n},UTC,en,mentee,,,,\n" for n in ("quinn", "rae", "sam", "tia"))
    await importing(app, "people", PEOPLE + more, tmp_path)
    await c.register("zed", "Zed Outsider", "UTC")  # registered, in no program
    rows = [
        "dana,mia,2026-03-02,7",  # 2: fine
        "ghost,olga,2026-03-02,7",  # 3: unknown handle
        "mia,pia,2026-03-02,7",  # 4: mia is no mentor
        "dana,zed_outsider,2026-03-02,7",  # 5: zed is no mentee here
        "erik,quinn,2026-03-02,7",  # 6: fine, erik is then full (capacity 1)
        "erik,rae,2026-03-02,7",  # 7: no room
        "dana,sam,2025-01-01,7",  # 8: its agreement would be over
        "dana,tia,2026-03-02,weekly-ish",  # 9: bad cadence
    ]
    text = "mentor_handle,mentee_handle,starts_on,cadence_days\n" + "\n".join(rows) + "\n"
    status, out, err = await importing(app, "pairs", text, tmp_path)
    assert status == 2 and out == ""
    for expected in (
        "line 3, mentor_handle: nobody has the handle @ghost",
        "line 4, mentor_handle: @mia is not a mentor in prog",
        "line 5, mentee_handle: @zed_outsider is not a mentee in prog",
        "line 7, mentor_handle: @erik has no room left (capacity 1",
        "line 8, starts_on: with the program's 12 weeks this agreement ended on 2025-03-26",
        "line 9, cadence_days: The cadence",
    ):
        assert expected in err, err
    assert "line 2" not in err and "line 6" not in err
    status, out, err = await importing(app, "pairs", text, tmp_path, skip_bad=True)
    assert out == "imported 2 pairs: 2 new, 0 unchanged; 6 bad rows skipped\n"
    # already paired: a second mentor for mia is refused, the same pair is unchanged
    again = "mentor_handle,mentee_handle,starts_on\ndana,mia,2026-03-02\nerik,quinn,2026-03-02\n"
    status, out, err = await importing(app, "pairs", again, tmp_path)
    assert (status, out) == (0, "imported 2 pairs: 0 new, 2 unchanged\n")
    other = "mentor_handle,mentee_handle,starts_on\nerik,mia,2026-03-02\n"
    status, out, err = await importing(app, "pairs", other, tmp_path)
    assert status == 2 and "line 2, mentee_handle: @mia already has a pair in prog (#1)" in err


async def test_unknown_program_and_unreadable_files_are_one_line(tmp_path: Path) -> None:
    (tmp_path / "people.csv").write_text(PEOPLE, encoding="utf-8")
    result = mentorhub(tmp_path, "import", "people", "nope", str(tmp_path / "people.csv"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith("mentorhub import: There's no program 'nope'.")
    (tmp_path / "latin1.csv").write_bytes("name,handle\nJosé,jose\n".encode("latin-1"))
    result = mentorhub(tmp_path, "import", "people", "nope", str(tmp_path / "latin1.csv"))
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"mentorhub import: {tmp_path / 'latin1.csv'} is not UTF-8 text (line 2): "
        "save it as CSV UTF-8 and try again"
    )
    result = mentorhub(tmp_path, "import", "pairs", "prog", str(tmp_path / "missing.csv"))
    assert result.returncode == 2 and "can't read" in result.stderr


async def test_an_imported_mentee_claims_their_profile_and_finds_their_pair(
    app: Mentorhub, tmp_path: Path
) -> None:
    c = await program(app)
    await importing(app, "people", PEOPLE, tmp_path)
    await importing(app, "pairs", PAIRS, tmp_path)
    out = await c.say("mia-phone", "start @mia")
    assert "Welcome, Mia Sousa! A coordinator added you to mentorhub" in out
    assert "claimed their imported profile" in out  # cora is told
    out = await c.say("mia-phone", "pairs")
    assert "Dana Berg" in out and "#1" in out, out
    out = await c.say("mia-phone", "agreement")
    assert "weekly" in out.lower() or "7" in out, out
    # the first claim wins; a registered person's handle can't be claimed
    out = await c.say("someone", "start @mia")
    assert "already linked to a messenger account" in own(out)
    out = await c.say("someone", "start @cora_lead")
    assert "already linked" in own(out)
    out = await c.say("someone", "start @nobody_here")
    assert "Nobody was added with the handle @nobody_here" in own(out)
    out = await c.say("mia-phone", "start @olga")
    assert "already registered as @mia" in own(out)


async def test_partners_hear_how_an_unclaimed_person_can_be_reached(
    app: Mentorhub, tmp_path: Path
) -> None:
    c = await program(app)
    await importing(app, "people", PEOPLE, tmp_path)
    await importing(app, "pairs", PAIRS, tmp_path)
    await c.say("dana-laptop", "start @dana")  # Mia never claims her profile
    start = c.out.tell()
    await c.say("dana-laptop", "note Let's meet Thursday", "Share with my partner")
    out = c.out.getvalue()[start:]
    expected = "Mia Sousa hasn't linked a messenger account to mentorhub yet"
    assert expected in told(out, "dana-laptop"), out
    assert "ask them to send `start @mia` to mentorhub" in told(out, "dana-laptop"), out
    assert expected in told(out, "cora"), out
    assert "blocked" not in told(out, "dana-laptop")
