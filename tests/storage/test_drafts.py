"""Match drafts in storage: the rows round-trip, and a draft is published once even when
two coordinators publish it at the same moment from two processes."""

from __future__ import annotations

import asyncio

from bots.bootstrap import Mentorhub
from core.identity import Person
from core.model import DraftRow, MatchDraft, Program
from core.ports import UnitOfWorkFactory


async def a_draft(app: Mentorhub) -> tuple[int, int]:
    now = app.clock.now()
    async with app.uow() as uow:
        cora = await uow.people.add(Person("cora", "Cora Lead", "Europe/London", ("en",), now))
        mia = await uow.people.add(Person("mia", "Mia Sousa", "Europe/Lisbon", ("pt",), now))
        dana = await uow.people.add(Person("dana", "Dana Berg", "Europe/Berlin", ("en",), now))
        program = await uow.programs.add(Program("prog", "Test program", now))
        assert cora.id and mia.id and dana.id and program.id
        draft = await uow.drafts.add(
            MatchDraft(program.id, 1, cora.id, now, False, "f" * 64, "{}", 0.1, 30, False)
        )
        assert draft.id is not None
        await uow.drafts.add_rows(
            [
                DraftRow(draft.id, mia.id, dana.id, 0.8, ("both prefer async",), locked=True),
                DraftRow(draft.id, dana.id, None, 0.0, reason_code="full", phrase="Full."),
            ]
        )
        await uow.commit()
        return program.id, draft.id


async def test_draft_rows_round_trip_and_locks_are_read_alone(app: Mentorhub) -> None:
    program_id, draft_id = await a_draft(app)
    async with app.uow() as uow:
        latest = await uow.drafts.latest(program_id)
        rows = await uow.drafts.rows(draft_id)
        locked = await uow.drafts.locked(draft_id)
    assert latest is not None and latest.id == draft_id and latest.status == "draft"
    assert [r.reasons for r in rows] == [("both prefer async",), ()]
    assert locked == [(rows[0].mentee_id, rows[0].mentor_id)]


async def test_a_draft_is_published_once_by_two_processes_at_once(
    app: Mentorhub, second_uow_factory: UnitOfWorkFactory
) -> None:
    _, draft_id = await a_draft(app)
    now = app.clock.now()

    async def other_process() -> bool:
        async with second_uow_factory() as uow:
            took = await uow.drafts.mark_published(draft_id, now)
            await uow.commit()
            return took

    async with app.uow() as uow:
        assert await uow.drafts.mark_published(draft_id, now)
        other = asyncio.create_task(other_process())
        for _ in range(20):
            await asyncio.sleep(0)  # it runs up to the row the first holds
        await uow.commit()
    assert await asyncio.wait_for(other, 10) is False
    async with app.uow() as uow:
        assert not await uow.drafts.mark_published(draft_id, now)
