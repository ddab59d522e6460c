"""Whole-program reads (core.ports.ProgramViews): a fixed number of set-based statements
however many pairs, check-ins and people a program has.

Hot paths select columns rather than ORM rows: hydrating ten thousand rows into the
identity map and then into dataclasses costs more than the query itself.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import func, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from core.identity import Person
from core.model import Agreement, Enrollment, Mode, PairStatus, Role
from core.ports import CheckInFact, Seat
from storage.mapping import to_domain
from storage.repositories.base import _chunks
from storage.tables import (
    AgreementRow,
    BlockRow,
    CheckInAnswerRow,
    CheckInRow,
    EnrollmentRow,
    PairRow,
    PersonRow,
)

_TAKES_A_PLACE = [s.value for s in PairStatus if s.is_open and s is not PairStatus.AWAITING]
_OPEN = [s.value for s in PairStatus if s.is_open]


class SqlProgramViews:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def agreements_in_force(self, program_id: int) -> dict[int, Agreement]:
        statement = (
            select(AgreementRow)
            .join(PairRow, col(PairRow.id) == col(AgreementRow.pair_id))
            .where(col(PairRow.program_id) == program_id, col(AgreementRow.status) == "confirmed")
            .order_by(col(AgreementRow.pair_id), col(AgreementRow.version))
        )
        in_force: dict[int, Agreement] = {}
        for (row,) in await self._rows(statement):
            in_force[row.pair_id] = to_domain(row, Agreement)  # a later version replaces
        return in_force

    async def checkin_facts(
        self, program_id: int, *, pair_id: int | None = None
    ) -> dict[int, list[CheckInFact]]:
        statement = (
            select(
                col(CheckInRow.pair_id),
                col(CheckInRow.period),
                col(CheckInRow.status),
                func.count(col(CheckInAnswerRow.id)),
                func.max(col(CheckInAnswerRow.submitted_at)),
            )
            .join(PairRow, col(PairRow.id) == col(CheckInRow.pair_id))
            .outerjoin(CheckInAnswerRow, col(CheckInAnswerRow.checkin_id) == col(CheckInRow.id))
            .where(col(PairRow.program_id) == program_id)
            .group_by(col(CheckInRow.id))
            .order_by(col(CheckInRow.pair_id), col(CheckInRow.period))
        )
        if pair_id is not None:
            statement = statement.where(col(CheckInRow.pair_id) == pair_id)
        facts: dict[int, list[CheckInFact]] = {}
        for pair, period, status, answers, last in await self._rows(statement):
            facts.setdefault(pair, []).append(CheckInFact(pair, period, status, answers, last))
        return facts

    async def seats(
        self,
        program_id: int,
        role: Role,
        *,
        waiting: bool = False,
        person_ids: Collection[int] | None = None,
    ) -> list[Seat]:
        counted = _TAKES_A_PLACE if role is Role.MENTOR else _OPEN
        side = col(PairRow.mentor_id) if role is Role.MENTOR else col(PairRow.mentee_id)
        load = (
            select(side.label("person_id"), func.count().label("open_pairs"))
            .where(col(PairRow.program_id) == program_id, col(PairRow.status).in_(counted))
            .group_by(side)
            .subquery()
        )
        statement = (
            select(PersonRow, EnrollmentRow, func.coalesce(load.c.open_pairs, 0))
            .join(EnrollmentRow, col(EnrollmentRow.person_id) == col(PersonRow.id))
            .outerjoin(load, load.c.person_id == col(PersonRow.id))
            .where(
                col(EnrollmentRow.program_id) == program_id,
                col(EnrollmentRow.role) == role.value,
                col(EnrollmentRow.active),
            )
            .order_by(col(EnrollmentRow.id))
        )
        if waiting:
            statement = statement.where(col(EnrollmentRow.waiting_since).is_not(None))
        if person_ids is not None:
            statement = statement.where(col(PersonRow.id).in_(list(person_ids)))
        return [
            Seat(_person(person), _enrollment(enrollment), int(open_pairs))
            for person, enrollment, open_pairs in await self._rows(statement)
        ]

    async def names(self, person_ids: Collection[int]) -> dict[int, str]:
        return await self._column_of(col(PersonRow.name), person_ids)

    async def handles(self, person_ids: Collection[int]) -> dict[int, str]:
        return await self._column_of(col(PersonRow.handle), person_ids)

    async def blocks_in(self, program_id: int) -> set[frozenset[int]]:
        enrolled = select(col(EnrollmentRow.person_id)).where(
            col(EnrollmentRow.program_id) == program_id
        )
        statement = select(col(BlockRow.person_id), col(BlockRow.blocked_id)).where(
            col(BlockRow.person_id).in_(enrolled)
        )
        return {frozenset(row) for row in await self._rows(statement)}

    async def _column_of(self, column: Any, person_ids: Collection[int]) -> dict[int, str]:
        found: dict[int, str] = {}
        for chunk in _chunks(set(person_ids)):
            statement = select(col(PersonRow.id), column).where(col(PersonRow.id).in_(chunk))
            found.update(dict(await self._rows(statement)))
        return found

    async def _rows(self, statement: Any) -> list[Any]:
        return list((await self.session.exec(statement)).all())


# Built by hand, not through storage.mapping: these run for every row of a large program.
def _person(row: PersonRow) -> Person:
    return Person(
        handle=row.handle,
        name=row.name,
        timezone=row.timezone,
        languages=tuple(row.languages),
        created_at=row.created_at,
        quiet_start=row.quiet_start,
        quiet_end=row.quiet_end,
        paused_until=row.paused_until,
        id=row.id,
    )


def _enrollment(row: EnrollmentRow) -> Enrollment:
    return Enrollment(
        program_id=row.program_id,
        person_id=row.person_id,
        role=Role(row.role),
        joined_at=row.joined_at,
        capacity=row.capacity,
        skills=tuple(row.skills),
        goals=row.goals,
        mode=Mode(row.mode),
        availability=row.availability,
        active=row.active,
        waiting_since=row.waiting_since,
        rematch=row.rematch,
        joins=row.joins,
        id=row.id,
    )
