"""People's data rights: `privacy`, `my_data`, `forget_me` (issue #15 item 6).

The forget_me test searches every column of every table (SQL over the whole metadata, on
SQLite and PostgreSQL) and, on SQLite, the database file's bytes for the person's name,
handle and private texts. SQLite runs with ``secure_delete`` on, so deleted rows are
zeroed in the pages that held them; the file is read after the engine is closed, which
checkpoints the WAL into it and removes the WAL file.
"""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

from bots.bootstrap import Mentorhub
from core.identity import Platform, UserRef
from storage import tables  # noqa: F401  (registers every table in the metadata)
from tests.console_harness import ConsoleSession, told
from tests.journeys.world import build_world

NAME, HANDLE = "Mia Sousa", "mia_sousa"
PRIVATE = [
    "PRIVATE-NOTE-MIA about my fears",
    "PRIVATE-GOAL-MIA to switch teams",
    "CHECKIN-NOTE-MIA just for me",
    "SHARED-NOTE-MIA for dana",
    "MIA-FEEDBACK about our calls",
]


def ref(user: str) -> UserRef:
    return UserRef(Platform("console"), "", user, display_name=user.capitalize(), locale="en")


async def seed(app: Mentorhub) -> ConsoleSession:
    c = await build_world(app)
    await c.say("mia", "note PRIVATE-NOTE-MIA about my fears", "#1")  # only me
    await c.say("mia", "note SHARED-NOTE-MIA for dana", "#2")  # shared with the partner
    await c.say("mia", "goal PRIVATE-GOAL-MIA to switch teams")
    await c.say("mia", "checkin", "#1", "#2", "Progress the mentor may read", "Nothing", "4")
    await c.say("mia", "CHECKIN-NOTE-MIA just for me", "#1")  # only me
    await c.say("mia", "feedback", "4", "#1", "#1", "MIA-FEEDBACK about our calls", "#2")
    await c.say("dana", "note DANA-NOTE kept by dana", "#1")
    await c.say("mia", "block erik_lund")
    return c


async def all_rows_text(app: Mentorhub) -> dict[str, list[str]]:
    """Every row of every table, each written out as text (JSON columns included)."""
    found: dict[str, list[str]] = {}
    async with app.uow() as uow:
        for table in SQLModel.metadata.sorted_tables:
            rows = (await uow.session.exec(select(table))).all()  # type: ignore[attr-defined]
            found[table.name] = [
                json.dumps([str(v) if not isinstance(v, dict | list) else v for v in row])
                for row in rows
            ]
    return found


def mentions(rows: dict[str, list[str]], needle: str) -> list[str]:
    lowered = needle.lower()
    return [
        f"{table}: {row}"
        for table, texts in rows.items()
        for row in texts
        if lowered in row.lower()
    ]


async def test_privacy_says_what_why_how_long_and_who(app: Mentorhub) -> None:
    outcome = await app.hub.command(ref("nobody"), "privacy")
    reply = outcome.replies[0]
    assert [f.label for f in reply.fields][:4] == [
        "What and why", "Who sees it", "How long", "Your rights",
    ]  # fmt: skip
    text = "\n".join([reply.text, *(f.value for f in reply.fields)])
    for said in ("365 days", "2 days", "30 days"):
        assert said in text
    assert "`my_data`" in text and "`forget_me`" in text


async def test_my_data_sends_the_own_record_as_json_and_markdown(app: Mentorhub) -> None:
    await seed(app)
    outcome = await app.hub.command(ref("mia"), "my_data")
    files = [r.attachment for r in outcome.replies if r.attachment is not None]
    assert [f.filename.rsplit(".", 1)[1] for f in files] == ["json", "md"]
    data = json.loads(files[0].content)
    assert data["profile"]["name"] == NAME and data["profile"]["handle"] == HANDLE
    assert [a["user_id"] for a in data["accounts"]] == ["mia"]
    assert data["enrollments"][0]["program"] == "Test program"
    assert data["pairs"][0]["partner"] == "Dana Berg"
    assert data["agreements"] and data["goals"][0]["text"] == "PRIVATE-GOAL-MIA to switch teams"
    assert {n["text"] for n in data["notes"]} == {
        "PRIVATE-NOTE-MIA about my fears",
        "SHARED-NOTE-MIA for dana",
    }
    assert data["checkin_answers"][0]["note"] == "CHECKIN-NOTE-MIA just for me"
    assert "MIA-FEEDBACK about our calls" in json.dumps(data["feedback"])
    assert data["blocked"] == [{"name": "Erik Lund", "since": data["blocked"][0]["since"]}]
    markdown = files[1].content
    assert markdown.startswith("# Your mentorhub data")
    assert "PRIVATE-NOTE-MIA about my fears" in markdown and "Dana Berg" in markdown
    # nothing of the partner's own
    for content in (files[0].content, markdown):
        assert "DANA-NOTE" not in content and "dana_berg" not in content


async def test_forget_me_asks_first_and_then_leaves_no_trace(app: Mentorhub) -> None:
    c = await seed(app)
    await app.deliver()
    before = await all_rows_text(app)
    assert mentions(before, NAME) and mentions(before, "PRIVATE-NOTE-MIA")
    # copies in messages to others: the shared note as sent to dana
    assert any(row.startswith("outbox") for row in mentions(before, "SHARED-NOTE-MIA"))
    asked = await app.hub.command(ref("mia"), "forget_me")
    (question,) = asked.replies
    assert question.title == "Delete all your data?"
    assert "can't be undone" in question.text and "1 open pair will end" in question.text
    async with app.uow() as uow:  # asking changed nothing
        assert await uow.people.by_handle(HANDLE) is not None
    shown = await c.say("mia", "forget_me")
    assert "Delete my data" in shown
    out = await c.say("mia", "#1")  # the "Delete my data" button
    assert "Your data has been deleted" in out
    to_dana, to_cora = told(out, "dana"), told(out, "cora")
    assert "your mentee has left mentorhub" in to_dana and NAME not in to_dana
    assert "A participant left Test program" in to_cora and NAME not in to_cora
    await app.deliver()

    rows = await all_rows_text(app)
    for needle in (NAME, HANDLE, *PRIVATE):
        assert mentions(rows, needle) == [], needle
    # what stays: the pair, with a former participant, and dana's own note
    async with app.uow() as uow:
        (pair,) = await uow.pairs.of_program(1)
        assert pair.status.value == "ended"
        former = await uow.people.get(pair.mentee_id)
        assert former is not None and former.name == "a former participant"
        assert [n.text for n in await uow.notes.of_pair(1)] == ["DANA-NOTE kept by dana"]
        assert await uow.accounts.find(Platform("console"), "", "mia") is None
    pairs = await c.say("dana", "pairs")
    assert "a former participant" in pairs and NAME not in pairs
    # mia is a stranger now: she can register afresh, and can't claim the placeholder
    again = await app.hub.command(ref("mia"), "profile")
    assert "start" in again.replies[0].text
    claim = await app.hub.command(ref("mia"), "start", f"@{former.handle}")
    assert claim.replies[0].is_error

    url = make_url(app.config.database.url)
    if url.get_backend_name() == "sqlite":
        await app.engine.dispose()  # checkpoints the WAL into the file and removes it
        path = Path(str(url.database))
        files = [p for p in path.parent.iterdir() if p.name.startswith(path.name)]
        for file in files:
            content = file.read_bytes()
            for needle in (NAME, HANDLE, *PRIVATE):
                assert needle.encode() not in content, (file.name, needle)


async def test_forgetting_a_mentor_withdraws_a_request_kindly(app: Mentorhub) -> None:
    c = await build_world(app)
    await c.register("noah", "Noah Sato", "Asia/Tokyo")
    await c.say("noah", "enroll prog mentee", "figma", "#1", "async", "#1")
    await c.say("noah", "ask @erik_lund")
    await c.say("erik", "forget_me")
    out = await c.say("erik", "#1")
    assert "Your data has been deleted" in out
    to_noah = told(out, "noah")
    assert "can't go ahead: the mentor you asked has left mentorhub" in to_noah
    assert "Erik" not in to_noah
    async with app.uow() as uow:
        (request,) = [p for p in await uow.pairs.of_program(1) if p.id == 2]
        assert request.status.value == "expired"


async def test_a_coordinator_is_warned_before_forgetting(app: Mentorhub) -> None:
    c = await build_world(app)
    out = await c.say("cora", "forget_me")
    assert "You coordinate 1 program" in out
    async with app.uow() as uow:
        assert await uow.people.by_handle("cora_lead") is not None


async def test_my_data_in_the_console_prints_both_files(app: Mentorhub) -> None:
    c = await build_world(app)
    out = await c.say("mia", "my_data")
    assert "--- mentorhub-mia_sousa-2026-03-02.json ---" in out
    assert "--- mentorhub-mia_sousa-2026-03-02.md ---" in out
    assert "# Your mentorhub data" in out


async def test_my_data_needs_registration(app: Mentorhub) -> None:
    outcome = await app.hub.command(ref("stranger"), "my_data")
    assert outcome.replies[0].is_error and "start" in outcome.replies[0].text
