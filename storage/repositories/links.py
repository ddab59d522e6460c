"""Linking accounts: one-time codes, counted tries, and merging two people into one."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, true, update

from core.identity import LinkCode
from storage.mapping import to_domain, to_row, update_row
from storage.repositories.base import _Statements, _table
from storage.tables import (
    AccountRow,
    AgreementRow,
    BlockRow,
    CheckInAnswerRow,
    DraftRowRow,
    DueItemRow,
    EnrollmentRow,
    FeedbackRow,
    GoalRow,
    LinkCodeRow,
    MatchDraftRow,
    NoteRow,
    OutboxRow,
    PairRow,
    PersonRow,
    RateEventRow,
)

RATE_EVENTS_KEPT = timedelta(days=1)


class SqlLinks(_Statements):
    """Link codes, merging one person into another, and rate events."""

    async def add_code(self, code: LinkCode) -> LinkCode:
        row = to_row(code, LinkCodeRow)
        self.session.add(row)
        await self.session.flush()
        code.id = row.id
        return code

    async def save_code(self, code: LinkCode) -> None:
        row = await self.session.get(LinkCodeRow, code.id)
        if row is None:
            raise LookupError(f"link code {code.id} vanished")
        update_row(row, code)
        await self.session.flush()

    async def get_code(self, code_id: int) -> LinkCode | None:
        row = await self.session.get(LinkCodeRow, code_id)
        return to_domain(row, LinkCode) if row is not None else None

    async def live_codes(self, now: datetime) -> list[LinkCode]:
        t = _table(LinkCodeRow)
        rows = await self._run(
            select(t).where(t.c.expires_at > now, t.c.claimed_at.is_(None)).order_by(t.c.id)
        )
        return [to_domain(row, LinkCode) for row in rows.all()]

    async def drop_codes(self, person_id: int) -> None:
        t = _table(LinkCodeRow)
        await self._run(delete(t).where(t.c.person_id == person_id))

    async def count(self, key: str, kind: str, *, since: datetime) -> int:
        t = _table(RateEventRow)
        found = await self._run(
            select(func.count()).where(t.c.key == key, t.c.kind == kind, t.c.at >= since)
        )
        return int(found.scalar_one())

    async def record(self, key: str, kind: str, *, at: datetime) -> None:
        t = _table(RateEventRow)
        await self._run(delete(t).where(t.c.at < at - RATE_EVENTS_KEPT))
        await self._run(t.insert().values(key=key, kind=kind, at=at))

    async def merge_people(self, keep: int, absorb: int) -> dict[str, int]:
        moved: dict[str, int] = {}

        async def move(row: Any, column: str, *also: Any) -> None:
            t = _table(row)
            moved[t.name] = moved.get(t.name, 0) + await self._count(
                update(t).where(t.c[column] == absorb, *also).values({column: keep})
            )

        # Rows keyed per person: a copy both have stays once (the kept person's).
        per_person: tuple[tuple[Any, tuple[str, ...]], ...] = (
            (OutboxRow, ("key",)),
            (DueItemRow, ("subject", "kind", "period")),
        )
        for row, columns in per_person:
            t = _table(row)
            kept = t.alias("kept")
            await self._run(
                delete(t).where(
                    t.c.person_id == absorb,
                    select(kept.c.id)
                    .where(kept.c.person_id == keep, *(kept.c[c] == t.c[c] for c in columns))
                    .exists(),
                )
            )
            await move(row, "person_id")

        # Both in one program in one role: core refused it unless one of the two had left;
        # the enrolment still active is kept (its history is the one that goes on).
        enrollment = _table(EnrollmentRow)
        twin = enrollment.alias("twin")
        for mine, theirs in ((keep, absorb), (absorb, keep)):
            await self._run(
                delete(enrollment).where(
                    enrollment.c.person_id == mine,
                    enrollment.c.active.is_(False) if mine == keep else true(),
                    select(twin.c.id)
                    .where(
                        twin.c.person_id == theirs,
                        twin.c.program_id == enrollment.c.program_id,
                        twin.c.role == enrollment.c.role,
                    )
                    .where(twin.c.active if mine == keep else true())
                    .exists(),
                )
            )
        await move(EnrollmentRow, "person_id")

        account = _table(AccountRow)
        await self._run(
            update(account).where(account.c.person_id == absorb).values(preferred=False)
        )
        await move(AccountRow, "person_id")

        block = _table(BlockRow)
        await self._run(
            delete(block).where(
                or_(
                    and_(block.c.person_id == absorb, block.c.blocked_id == keep),
                    and_(block.c.person_id == keep, block.c.blocked_id == absorb),
                )
            )
        )
        kept_b = block.alias("kept_b")
        for column, other in (("person_id", "blocked_id"), ("blocked_id", "person_id")):
            await self._run(
                delete(block).where(
                    block.c[column] == absorb,
                    select(kept_b.c.id)
                    .where(kept_b.c[column] == keep, kept_b.c[other] == block.c[other])
                    .exists(),
                )
            )
            await move(BlockRow, column)

        people_columns: tuple[tuple[Any, str], ...] = (
            (PairRow, "mentor_id"),
            (PairRow, "mentee_id"),
            (PairRow, "ended_by"),
            (AgreementRow, "proposed_by"),
            (CheckInAnswerRow, "person_id"),
            (GoalRow, "owner_id"),
            (NoteRow, "author_id"),
            (FeedbackRow, "author_id"),
            (MatchDraftRow, "created_by"),
            (DraftRowRow, "mentee_id"),
            (DraftRowRow, "mentor_id"),
        )
        for table_row, column in people_columns:
            await move(table_row, column)
        await self._renumber_lists(keep, absorb)

        await self.drop_codes(absorb)
        person = _table(PersonRow)
        await self._run(delete(person).where(person.c.id == absorb))
        return moved

    async def _renumber_lists(self, keep: int, absorb: int) -> None:
        """Person ids kept inside JSON lists: who confirmed an agreement, whom to ask next."""
        pair = _table(PairRow)
        theirs = select(pair.c.id).where(or_(pair.c.mentor_id == keep, pair.c.mentee_id == keep))
        agreement = _table(AgreementRow)
        for t, column, where in (
            (agreement, "confirmed_by", agreement.c.pair_id.in_(theirs)),
            (pair, "next_choices", pair.c.mentee_id == keep),
        ):
            for row_id, ids in (await self._run(select(t.c.id, t.c[column]).where(where))).all():
                if absorb in (ids or []):
                    renumbered = list(dict.fromkeys(keep if i == absorb else i for i in ids))
                    await self._run(update(t).where(t.c.id == row_id).values({column: renumbered}))
