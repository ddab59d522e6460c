"""Retention (issue #15 item 7): ended pairs' content, delivered messages' text, and the
data of a workspace or guild that removed the app, purged by the housekeeping job.

Time passes on the manual clock only; the housekeeping job is run by hand.
"""

from __future__ import annotations

from datetime import timedelta

from bots.bootstrap import Mentorhub
from core.clock import ManualClock
from core.identity import Platform, UserRef
from core.inbound import WorkspaceRemoved, WorkspaceRestored
from tests.journeys.test_privacy_rights import all_rows_text, mentions
from tests.journeys.world import build_world

SLACK = Platform("slack")


def ref(user: str) -> UserRef:
    return UserRef(Platform("console"), "", user, display_name=user.capitalize(), locale="en")


def slack(user: str) -> UserRef:
    return UserRef(SLACK, "T1", user, display_name=user.capitalize(), locale="en")


async def test_ended_pairs_content_is_deleted_after_the_retention(
    app: Mentorhub, clock: ManualClock
) -> None:
    c = await build_world(app)
    await c.say("mia", "note ENDED-PAIR-NOTE for later", "#1")
    await c.say("mia", "checkin", "#1", "#2", "PROGRESS-TEXT", "Nothing", "4", "CHECKIN-NOTE", "#1")
    await c.say("mia", "end", "#2", "3", "END-COMMENT for coordinators", "#2")
    async with app.uow() as uow:
        (pair,) = await uow.pairs.of_program(1)
        assert pair.status.value == "ended"
        assert await uow.notes.of_pair(1) and await uow.agreements.of_pair(1)

    clock.set(clock.now() + timedelta(days=364))
    assert (await app.housekeep()).privacy.ended_pairs == 0
    async with app.uow() as uow:
        assert [n.text for n in await uow.notes.of_pair(1)] == ["ENDED-PAIR-NOTE for later"]

    clock.set(clock.now() + timedelta(days=2))  # 366 days after the end (default: 365)
    assert (await app.housekeep()).privacy.ended_pairs > 0
    async with app.uow() as uow:
        assert await uow.notes.of_pair(1) == []
        assert await uow.agreements.of_pair(1) == []
        (pair,) = await uow.pairs.of_program(1)  # the pair stays, as history
        assert pair.end_reason == ""
        for checkin in await uow.checkins.of_pair(1):
            assert checkin.id is not None
            for answer in await uow.answers.of_checkin(checkin.id):
                assert answer.note == "" and answer.answers == ()
        for feedback in await uow.feedback.of_pair(1):
            assert feedback.what_happened == feedback.reason == ""
    assert (await app.housekeep()).privacy.ended_pairs == 0  # nothing left to purge


async def test_delivered_messages_lose_their_text_after_a_short_window(
    app: Mentorhub, clock: ManualClock
) -> None:
    await build_world(app)
    await app.deliver()
    sent = [m for m in await _outbox(app) if m[1] == "sent"]
    assert sent and all(payload for _, _, payload in sent)
    clock.set(clock.now() + timedelta(days=1))
    assert (await app.housekeep()).privacy.payloads == 0
    clock.set(clock.now() + timedelta(days=2))  # past 2 days (the default)
    assert (await app.housekeep()).privacy.payloads == len(sent)
    after = await _outbox(app)  # the rows stay: their keys still stop a resend
    assert {row_id for row_id, status, _ in after if status == "sent"} == {m[0] for m in sent}
    assert all(payload == {} for _, status, payload in after if status == "sent")


async def _outbox(app: Mentorhub) -> list[tuple[int, str, dict[str, object]]]:
    from sqlalchemy import select

    from storage.tables import OutboxRow

    async with app.uow() as uow:
        rows = (
            await uow.session.exec(  # type: ignore[attr-defined]
                select(OutboxRow.id, OutboxRow.status, OutboxRow.payload)  # type: ignore[call-overload]
            )
        ).all()
    return [(row_id, status, payload) for row_id, status, payload in rows]


async def _slack_program(app: Mentorhub) -> None:
    """sam (Slack T1) coordinates 'sp', living in T1; tess (T1) is a mentee there; cora
    (console) is a mentor there and coordinates 'prog' on the console."""
    await app.hub.command(slack("sam"), "start", '"Sam Slack" UTC en')
    out = await app.hub.command(slack("sam"), "newprogram", "sp Slack program")
    assert "Slack program" in " ".join(r.text + (r.title or "") for r in out.replies)
    async with app.uow() as uow:
        program = await uow.programs.by_slug("sp")
        assert program is not None
        program.space = "slack:T1"
        await uow.programs.save(program)
        await uow.commit()
    await app.hub.command(slack("tess"), "start", '"Tess Tide" UTC en')
    await app.hub.command(slack("tess"), "enroll", "sp mentee figma")
    await app.hub.command(ref("vera"), "start", '"Vera Vale" UTC en')
    await app.hub.command(ref("vera"), "enroll", "sp mentor 2 figma")
    await app.hub.command(ref("vera"), "newprogram", "prog Console program")


async def _names(app: Mentorhub) -> set[str]:
    async with app.uow() as uow:
        return {p.name for p in [await uow.people.get(i) for i in range(1, 10)] if p is not None}


async def test_a_removed_workspace_is_purged_after_the_grace_period(
    app: Mentorhub, clock: ManualClock
) -> None:
    await _slack_program(app)
    assert {"Sam Slack", "Tess Tide", "Vera Vale"} <= await _names(app)
    await app.hub.handle(WorkspaceRemoved(SLACK, "T1"))

    clock.set(clock.now() + timedelta(days=29))  # the grace period is 30 days by default
    assert (await app.housekeep()).privacy.workspaces == 0
    assert {"Sam Slack", "Tess Tide"} <= await _names(app)

    clock.set(clock.now() + timedelta(days=2))
    report = (await app.housekeep()).privacy
    assert (report.workspaces, report.people) == (1, 2)
    names = await _names(app)
    assert "Sam Slack" not in names and "Tess Tide" not in names
    assert "Vera Vale" in names  # she has the console too, and her own program
    async with app.uow() as uow:
        assert await uow.programs.by_slug("sp") is None
        assert await uow.programs.by_slug("prog") is not None
        assert await uow.accounts.find(SLACK, "T1", "sam") is None
    rows = await all_rows_text(app)
    for needle in ("Sam Slack", "Tess Tide", "Slack program", "sam_slack", "tess_tide"):
        assert mentions(rows, needle) == [], needle
    assert (await app.housekeep()).privacy.workspaces == 0  # done once


async def test_a_workspace_that_comes_back_is_not_purged(
    app: Mentorhub, clock: ManualClock
) -> None:
    await _slack_program(app)
    await app.hub.handle(WorkspaceRemoved(SLACK, "T1"))
    clock.set(clock.now() + timedelta(days=3))
    await app.hub.handle(WorkspaceRestored(SLACK, "T1"))
    clock.set(clock.now() + timedelta(days=60))
    assert (await app.housekeep()).privacy.workspaces == 0
    assert {"Sam Slack", "Tess Tide"} <= await _names(app)
    async with app.uow() as uow:
        account = await uow.accounts.find(SLACK, "T1", "sam")
        assert account is not None and account.reachable


def wal_size(app: Mentorhub) -> int:
    from pathlib import Path

    from sqlalchemy.engine import make_url

    wal = Path(f"{make_url(app.config.database.url).database}-wal")
    return wal.stat().st_size if wal.exists() else -1


async def test_housekeeping_truncates_the_sqlite_wal(sqlite_app: Mentorhub) -> None:
    app = sqlite_app
    await build_world(app)
    assert wal_size(app) > 0
    await app.housekeep()
    assert wal_size(app) == 0
