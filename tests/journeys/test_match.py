"""`match`, as a coordinator uses it in chat: import a cohort, compute a draft, review it,
swap a pair, publish; every person is introduced with why, and the mentee left out is
told why. And the program's matching mode decides who may pair whom."""

from __future__ import annotations

import asyncio
import csv
import io
from pathlib import Path

import pytest

from bots.bootstrap import Mentorhub
from core.clock import ManualClock
from core.messages import Action
from core.model import PairStatus, Role
from core.services import matching as matching_service
from tests.bots.test_import import importing
from tests.console_harness import ConsoleSession, own, told

MENTORS = [
    # name, handle, zone, languages, capacity, skills, mode, availability
    ("Dana Berg", "dana", "Europe/Berlin", "en;de", 3, "figma;career", "async", "weekdays 9-17"),
    (
        "Erik Lund",
        "erik",
        "America/New_York",
        "en",
        3,
        "figma;leadership",
        "call",
        "weekdays 18-21",
    ),
    ("Fay Costa", "fay", "America/Sao_Paulo", "en;pt", 3, "data;python", "chat", "weekdays 9-12"),
    ("Gus Mori", "gus", "Asia/Tokyo", "en;ja", 2, "python;leadership", "async", "weekends"),
]
MENTEES = [
    ("Mia Sousa", "mia", "Europe/Lisbon", "en;pt", "figma", "async", "weekdays 9-12"),
    ("Noah Kim", "noah", "America/Chicago", "en", "leadership", "call", "weekdays 18-21"),
    ("Olga Ivanova", "olga", "Europe/Warsaw", "en;pl", "career;figma", "async", ""),
    ("Pedro Alves", "pedro", "America/Sao_Paulo", "en;pt", "data", "chat", "weekdays 9-12"),
    ("Quinn Shaw", "quinn", "Europe/London", "en", "python", "async", ""),
    ("Rin Sato", "rin", "Asia/Tokyo", "en;ja", "python", "async", "weekends"),
    ("Sam Reed", "sam", "America/New_York", "en", "leadership", "call", "weekdays 18-21"),
    ("Tara Singh", "tara", "Asia/Kolkata", "en", "data;python", "chat", ""),
    ("Uma Berg", "uma", "Europe/Berlin", "en;de", "career", "async", "weekdays 9-17"),
    ("Vic Hale", "vic", "Europe/Dublin", "en", "figma", "async", ""),
    ("Wen Li", "wen", "Asia/Shanghai", "en", "leadership", "async", "weekends"),
    ("Pia Park", "pia", "Asia/Seoul", "ko", "figma", "async", ""),  # no mentor speaks Korean
]
HEADER = ["name", "handle", "timezone", "languages", "role", "capacity", "skills", "mode",
          "availability"]  # fmt: skip


def cohort_csv() -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for name, handle, zone, languages, capacity, skills, mode, windows in MENTORS:
        writer.writerow([name, handle, zone, languages, "mentor", capacity, skills, mode, windows])
    for name, handle, zone, languages, skills, mode, windows in MENTEES:
        writer.writerow([name, handle, zone, languages, "mentee", "", skills, mode, windows])
    return out.getvalue()


async def cohort(app: Mentorhub, tmp_path: Path, matching: str = "suggest") -> ConsoleSession:
    c = ConsoleSession(app)
    await c.register("cora", "Cora Lead", "Europe/London")
    await c.say("cora", "newprogram prog Test program", f"configure prog matching {matching}")
    status, _, err = await importing(app, "people", cohort_csv(), tmp_path)
    assert status == 0, err
    for handle in [row[1] for row in MENTORS] + [row[1] for row in MENTEES]:
        await c.say(handle, f"start @{handle}")  # each claims their imported profile
    return c


async def test_import_match_review_swap_publish(
    app: Mentorhub, clock: ManualClock, tmp_path: Path
) -> None:
    c = await cohort(app, tmp_path)
    out = own(await c.say("cora", "match prog"))
    assert "Draft 1 for Test program. Nobody has been told anything yet." in out, out
    assert "Pairs: 11" in out and "Left waiting: 1" in out, out
    assert "1: no mentor with a free place speaks their language" in out, out

    shown = own(await c.say("cora", "match prog show"))
    assert "weakest first (page 2 of 2)" not in shown and "(page 1 of 2)" in shown, shown
    assert "Pia Park: no mentor with a free place speaks their language" in shown, shown
    scores = [float(line.split()[0]) for line in shown.splitlines() if line[:1].isdigit()]
    assert scores == sorted(scores) and len(scores) == 10, shown

    async with app.uow() as uow:
        program = await uow.programs.by_slug("prog")
        assert program is not None and program.id is not None
        draft = await uow.drafts.latest(program.id)
        assert draft is not None and draft.id is not None
        rows = {r.mentee_id: r for r in await uow.drafts.rows(draft.id)}
        ids: dict[str, int] = {
            p.handle: p.id for p in [await uow.people.get(i) for i in rows] if p and p.id
        }
    # swap two mentees who have different mentors
    mia, uma = rows[ids["mia"]], rows[ids["uma"]]
    other = uma if uma.mentor_id != mia.mentor_id else rows[ids["pedro"]]
    other_handle = "uma" if other is uma else "pedro"
    out = own(await c.say("cora", f"match prog swap @mia @{other_handle}"))
    assert "Swapped: Mia Sousa has a new mentor." in out, out
    async with app.uow() as uow:
        after = {r.mentee_id: r for r in await uow.drafts.rows(draft.id)}
    assert after[ids["mia"]].mentor_id == other.mentor_id
    assert after[other.mentee_id].mentor_id == mia.mentor_id

    csv_out = own(await c.say("cora", "match prog csv"))
    assert "prog-match-draft-1.csv" in csv_out, csv_out

    published = await c.say("cora", "match prog publish")
    assert "Published draft 1: 11 pairs are introduced" in own(published), published
    for handle in ("mia", "dana", "erik", "rin", "gus"):
        got = told(published, handle)
        assert "New mentoring pair" in got or "You're paired with" in got, (handle, published)
        assert "Why you were matched:" in got, (handle, got)
    pia = told(published, "pia")
    assert "Still waiting for a mentor" in pia and "No mentor speaks your language yet." in pia
    async with app.uow() as uow:
        pairs = await uow.views.pairs(program.id)
        pia_enr = await uow.enrollments.find(program.id, ids["pia"], Role.MENTEE)
    assert len(pairs) == 11 and all(p.status is PairStatus.AGREEING for p in pairs)
    assert all(p.origin == "matched" for p in pairs)
    assert pia_enr is not None and pia_enr.rematch and pia_enr.waiting_since is not None
    # a published draft can't be published again, nor reviewed
    again = own(await c.say("cora", "match prog publish"))
    assert "no draft to review" in again and "was published already" in again, again


async def test_a_draft_goes_stale_when_the_pool_changes(
    app: Mentorhub, clock: ManualClock, tmp_path: Path
) -> None:
    c = await cohort(app, tmp_path)
    await c.say("cora", "match prog")
    await c.say("quinn", "leave prog")
    out = own(await c.say("cora", "match prog publish"))
    assert "Draft 1 is out of date: 1 mentee stopped waiting" in out, out
    assert "Nothing was published" in out
    async with app.uow() as uow:
        program = await uow.programs.by_slug("prog")
        assert program is not None and program.id is not None
        assert await uow.views.pairs(program.id) == []
    out = own(await c.say("cora", "match prog"))
    assert "Draft 2 for Test program" in out, out


async def test_locked_pairs_survive_a_new_run_and_stable_mode_runs(
    app: Mentorhub, clock: ManualClock, tmp_path: Path
) -> None:
    c = await cohort(app, tmp_path)
    await c.say("cora", "match prog")
    async with app.uow() as uow:
        program = await uow.programs.by_slug("prog")
        assert program is not None and program.id is not None
        draft = await uow.drafts.latest(program.id)
        assert draft is not None and draft.id is not None
        first = {r.mentee_id: r for r in await uow.drafts.rows(draft.id)}
        wen = await uow.people.by_handle("wen")
        assert wen is not None and wen.id is not None
    # Wen wants leadership: Dana (figma, career) is not her best fit. Free one of Dana's
    # places, give Wen to Dana, and lock it: a new run must keep it.
    out = own(await c.say("cora", "match prog drop @uma"))
    assert "Dropped Uma Berg's pair: they stay waiting." in out, out
    out = own(await c.say("cora", "match prog swap @wen @dana"))
    assert "Swapped: Wen Li has a new mentor." in out, out
    out = own(await c.say("cora", "match prog lock @wen"))
    assert "Locked Wen Li's pair." in out, out
    out = own(await c.say("cora", "match prog stable"))
    assert "Draft 2" in out and "(1 locked)" in out and "stable: no mentee" in out, out
    async with app.uow() as uow:
        second = await uow.drafts.latest(program.id)
        assert second is not None and second.id is not None and second.stable
        rows = {r.mentee_id: r for r in await uow.drafts.rows(second.id)}
        dana = await uow.people.by_handle("dana")
        assert dana is not None
    assert first[wen.id].mentor_id != dana.id  # the first draft didn't pair them
    assert rows[wen.id].mentor_id == dana.id and rows[wen.id].locked


async def test_each_matching_mode_refuses_what_it_doesnt_do(
    app: Mentorhub, clock: ManualClock, tmp_path: Path
) -> None:
    c = await cohort(app, tmp_path, matching="request")
    out = own(await c.say("cora", "match prog"))
    assert "In Test program mentees choose their mentors" in out, out
    await c.say("cora", "configure prog matching assign")
    out = own(await c.say("mia", "ask @dana"))
    assert "coordinators pair people" in out and "Request sent" not in out, out
    out = own(await c.say("cora", "match prog drop @mia"))
    assert "no draft to review" in out, out


async def test_weights_and_a_required_language_are_configured_in_chat(
    app: Mentorhub, clock: ManualClock, tmp_path: Path
) -> None:
    c = await cohort(app, tmp_path)
    out = own(await c.say("cora", "configure prog weights skills=lots"))
    assert "'lots' isn't a number (in 'skills=lots')." in out, out
    out = own(await c.say("cora", "configure prog weights speed=1"))
    assert "'speed=1' isn't a weight." in out and "skills, goals, languages" in out, out
    out = own(await c.say("cora", "configure prog weights skills=0.7 overlap=0.1"))
    assert "Match weights: skills=0.7 goals=0.15 languages=0.1 mode=0.15 overlap=0.1" in out, out
    out = own(await c.say("cora", "configure prog language de, pt"))
    assert "Name one language every pair must share, or none." in out, out
    out = own(await c.say("cora", "configure prog language pt"))
    assert "Pairs must share: pt" in out, out

    out = own(await c.say("cora", "match prog"))
    # Only Fay (3 places) speaks Portuguese among the mentors; Mia and Pedro do too.
    assert "Pairs: 2" in out, out
    assert "don't speak the required language" in out, out
    shown = own(await c.say("cora", "match prog show"))
    assert "with Fay Costa" in shown and "Dana Berg" not in shown.split("Left waiting")[0], shown
    published = await c.say("cora", "match prog publish")
    assert "This program pairs people who speak Portuguese" in told(published, "noah"), published
    out = own(await c.say("cora", "configure prog weights default"))
    assert "Match weights: skills=0.4 goals=0.15 languages=0.1 mode=0.15 overlap=0.2" in out


async def test_a_stable_match_too_big_to_weigh_every_pair_is_refused_with_the_way_out(
    app: Mentorhub, clock: ManualClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    c = await cohort(app, tmp_path)
    monkeypatch.setattr(matching_service, "STABLE_MAX_PAIRS", 40)  # the pool has 12 × 4
    out = own(await c.say("cora", "match prog stable"))
    assert "48 pairs here, more than the 40 it can take" in out, out
    assert "Run `match` without `stable`" in out, out
    out = own(await c.say("cora", "match prog"))
    assert "Draft 1 for Test program" in out, out


async def test_two_publishes_of_one_draft_at_once_make_its_pairs_once(
    app: Mentorhub, clock: ManualClock, tmp_path: Path
) -> None:
    c = await cohort(app, tmp_path)
    await c.say("cora", "match prog")
    cora = c.console.ref("cora")
    first, second = await asyncio.wait_for(
        asyncio.gather(
            app.hub.command(cora, "match", "prog publish"),
            app.hub.command(cora, "match", "prog publish"),
        ),
        30,
    )
    texts = [o.replies[0].text for o in (first, second)]
    assert sum("Published draft 1" in t for t in texts) == 1, texts
    assert sum(o.replies[0].is_error for o in (first, second)) == 1, texts
    async with app.uow() as uow:
        program = await uow.programs.by_slug("prog")
        assert program is not None and program.id is not None
        assert len(await uow.views.pairs(program.id)) == 11


async def test_a_match_run_from_a_button_stores_its_draft_too(
    app: Mentorhub, clock: ManualClock, tmp_path: Path
) -> None:
    """A button runs its command in a unit of work that may write: the draft's own write
    (Outcome.then) must still happen."""
    c = await cohort(app, tmp_path)
    outcome = await app.hub.action(c.console.ref("cora"), Action.command("match", "prog").encode())
    assert "Draft 1 for Test program" in outcome.replies[0].text, outcome.replies
