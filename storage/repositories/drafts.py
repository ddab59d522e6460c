"""Match drafts: what `match` proposed, as the coordinator reviews it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import update
from sqlmodel import col, select

from core.model import DraftRow, MatchDraft
from storage.repositories.base import _Repo, _table
from storage.tables import DraftRowRow, MatchDraftRow


class _SqlDraftRows(_Repo[DraftRow, DraftRowRow]):
    domain, row = DraftRow, DraftRowRow


class SqlDrafts(_Repo[MatchDraft, MatchDraftRow]):
    domain, row = MatchDraft, MatchDraftRow

    async def latest(self, program_id: int) -> MatchDraft | None:
        return await self._one(
            select(MatchDraftRow)
            .where(MatchDraftRow.program_id == program_id)
            .order_by(col(MatchDraftRow.number).desc())
            .limit(1)
        )

    async def rows(self, draft_id: int) -> list[DraftRow]:
        return await _SqlDraftRows(self.session)._children(
            DraftRowRow.draft_id, draft_id, DraftRowRow.id
        )

    async def mark_published(self, draft_id: int, at: datetime) -> bool:
        table = _table(MatchDraftRow)
        statement = (
            update(table)
            .where(table.c.id == draft_id, table.c.status == "draft")
            .values(status="published", published_at=at)
        )
        result = await self.session.exec(statement)
        return bool(result.rowcount)

    async def locked(self, draft_id: int) -> list[tuple[int, int]]:
        statement = select(col(DraftRowRow.mentee_id), col(DraftRowRow.mentor_id)).where(
            col(DraftRowRow.draft_id) == draft_id,
            col(DraftRowRow.locked),
            col(DraftRowRow.mentor_id).is_not(None),
        )
        return [(e, m) for e, m in (await self.session.exec(statement)).all() if m is not None]

    async def add_rows(self, rows: Sequence[DraftRow]) -> None:
        await _SqlDraftRows(self.session).insert_many(rows)

    async def save_rows(self, rows: Sequence[DraftRow]) -> None:
        await _SqlDraftRows(self.session).update_many(rows)
