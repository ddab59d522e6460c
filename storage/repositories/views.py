"""Whole-program reads (core.ports.ProgramViews): a fixed number of set-based statements
however many pairs, check-ins and people a program has.

Hot paths select columns rather than ORM rows: hydrating ten thousand rows into the
identity map and then into dataclasses costs more than the query itself.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from core.identity import Person
from core.model import Agreement, Enrollment, Pair, PairStatus, Role
from core.ports import CheckInFact, MentorLoadRow, Seat
from storage.mapping import mapping_to_domain
from storage.repositories.base import _chunks, _table
from storage.tables import (
    AgreementRow,
    BlockRow,
    CheckInAnswerRow,
    CheckInRow,
    EnrollmentRow,
    PairRow,
    PersonRow,
)

PARTITION = 100  # rows of a large read handled between two turns of the event loop
_TAKES_A_PLACE = [s.value for s in PairStatus if s.takes_a_place]
_OPEN = [s.value for s in PairStatus if s.is_open]


class SqlProgramViews:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def pairs(self, program_id: int) -> list[Pair]:
        statement = (
            select(*_table(PairRow).c)
            .where(col(PairRow.program_id) == program_id)
            .order_by(col(PairRow.id))
        )
        return [mapping_to_domain(row, Pair) async for row in self._stream(statement)]

    async def agreements_in_force(self, program_id: int) -> dict[int, Agreement]:
        statement = (
            select(*_table(AgreementRow).c)
            .join(PairRow, col(PairRow.id) == col(AgreementRow.pair_id))
            .where(col(PairRow.program_id) == program_id, col(AgreementRow.status) == "confirmed")
            .order_by(col(AgreementRow.pair_id), col(AgreementRow.version))
        )
        # a later version replaces an earlier one
        return {
            row["pair_id"]: mapping_to_domain(row, Agreement)
            async for row in self._stream(statement)
        }

    async def checkin_facts(self, program_id: int) -> dict[int, list[CheckInFact]]:
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
        facts: dict[int, list[CheckInFact]] = {}
        async for row in self._stream(statement, mappings=False):
            fact = CheckInFact._make(row)
            facts.setdefault(fact.pair_id, []).append(fact)
        return facts

    async def seats(
        self,
        program_id: int,
        role: Role,
        *,
        waiting: bool = False,
        with_room: bool = False,
        person_ids: Collection[int] | None = None,
    ) -> list[Seat]:
        statement = self._enrolled(program_id, role)
        if waiting:
            statement = statement.where(col(EnrollmentRow.waiting_since).is_not(None))
        if with_room:  # only the rows wanted come back (by index: ix_pair_people)
            taken = (
                select(func.count())
                .select_from(_table(PairRow))
                .where(
                    col(PairRow.program_id) == program_id,
                    col(PairRow.mentor_id) == col(EnrollmentRow.person_id),
                    col(PairRow.status).in_(_TAKES_A_PLACE),
                )
                .scalar_subquery()
            )
            statement = statement.where(col(EnrollmentRow.capacity) > taken)
        if person_ids is not None:
            statement = statement.where(col(PersonRow.id).in_(list(person_ids)))
        return await self._seats(
            program_id, role, statement.order_by(col(EnrollmentRow.id)), with_room=with_room
        )

    async def waiting_line(self, program_id: int, first: int) -> tuple[int, list[Seat]]:
        statement = self._enrolled(program_id, Role.MENTEE).where(
            col(EnrollmentRow.waiting_since).is_not(None)
        )
        count = await self._count(statement)
        line = statement.order_by(
            col(EnrollmentRow.rematch).desc(), col(EnrollmentRow.waiting_since)
        ).limit(first)
        return count, await self._seats(program_id, Role.MENTEE, line)

    async def free_places(
        self, program_id: int, now: datetime, first: int
    ) -> tuple[int, int, list[Seat]]:
        mentors = (
            self._enrolled(program_id, Role.MENTOR)
            .with_only_columns(
                col(EnrollmentRow.person_id),
                col(EnrollmentRow.capacity),
                col(PersonRow.paused_until),
            )
            .order_by(col(EnrollmentRow.id))
        )
        load = await self._open_pairs(program_id, Role.MENTOR)
        room = {
            person: capacity - load.get(person, 0)
            for person, capacity, paused_until in await self._rows(mentors)
            if capacity > load.get(person, 0) and (paused_until is None or paused_until <= now)
        }
        most = sorted(room, key=lambda person: -room[person])[:first]  # stable: join order
        seats = await self.seats(program_id, Role.MENTOR, person_ids=most) if most else []
        seats.sort(key=lambda seat: most.index(seat.person.id or 0))
        return len(room), sum(room.values()), seats

    async def waiting_since(self, program_id: int) -> list[datetime]:
        statement = (
            self._enrolled(program_id, Role.MENTEE)
            .with_only_columns(col(EnrollmentRow.waiting_since))
            .where(col(EnrollmentRow.waiting_since).is_not(None))
        )
        return [since for (since,) in await self._rows(statement)]

    async def mentor_loads(self, program_id: int) -> list[MentorLoadRow]:
        mentors = self._enrolled(program_id, Role.MENTOR).with_only_columns(
            col(EnrollmentRow.person_id),
            col(EnrollmentRow.capacity),
            col(PersonRow.paused_until),
        )
        load = await self._open_pairs(program_id, Role.MENTOR)
        return [
            MentorLoadRow(person, capacity, load.get(person, 0), paused_until)
            for person, capacity, paused_until in await self._rows(mentors)
        ]

    def _enrolled(self, program_id: int, role: Role) -> Any:
        return (
            select(*_PERSON, *_ENROLLMENT)
            .select_from(_table(PersonRow))
            .join(EnrollmentRow, col(EnrollmentRow.person_id) == col(PersonRow.id))
            .where(
                col(EnrollmentRow.program_id) == program_id,
                col(EnrollmentRow.role) == role.value,
                col(EnrollmentRow.active),
            )
        )

    async def _seats(
        self, program_id: int, role: Role, statement: Any, *, with_room: bool = False
    ) -> list[Seat]:
        """The enrolments ``statement`` selects, each with its open pairs (``with_room``:
        only those with a free place, skipped before they are built). The pairs are
        counted in a statement of their own: joined to an aggregate, a planner without
        fresh statistics (a program just imported) picks a nested loop over every pair."""
        rows = (await self._execute(statement)).mappings().all()
        load = await self._open_pairs(program_id, role) if rows else {}
        return [
            Seat(_person(row), _enrollment(row), load.get(row["p_id"], 0))
            for row in rows
            if not with_room or row["e_capacity"] > load.get(row["p_id"], 0)
        ]

    async def _open_pairs(self, program_id: int, role: Role) -> dict[int, int]:
        counted = _TAKES_A_PLACE if role is Role.MENTOR else _OPEN
        side = col(PairRow.mentor_id) if role is Role.MENTOR else col(PairRow.mentee_id)
        statement = (
            select(side, func.count())
            .where(col(PairRow.program_id) == program_id, col(PairRow.status).in_(counted))
            .group_by(side)
        )
        return {person: int(count) for person, count in await self._rows(statement)}

    async def _count(self, statement: Any) -> int:
        counted = select(func.count()).select_from(statement.subquery())
        (count,) = (await self._execute(counted)).one()
        return int(count)

    async def names(self, person_ids: Collection[int]) -> dict[int, str]:
        return await self._by_id(col(PersonRow.name), person_ids)

    async def handles_of(self, person_ids: Collection[int]) -> dict[int, str]:
        return await self._by_id(col(PersonRow.handle), person_ids)

    async def _by_id(self, column: Any, person_ids: Collection[int]) -> dict[int, str]:
        found: dict[int, str] = {}
        for chunk in _chunks(set(person_ids)):
            statement = select(col(PersonRow.id), column).where(col(PersonRow.id).in_(chunk))
            found.update(dict(await self._rows(statement)))
        return found

    async def handles(self, program_id: int) -> dict[int, str]:
        in_pairs = (
            select(col(PairRow.mentor_id))
            .where(col(PairRow.program_id) == program_id)
            .union(select(col(PairRow.mentee_id)).where(col(PairRow.program_id) == program_id))
        )
        statement = select(col(PersonRow.id), col(PersonRow.handle)).where(
            col(PersonRow.id).in_(in_pairs)
        )
        return dict(await self._rows(statement))

    async def blocks_in(self, program_id: int) -> set[frozenset[int]]:
        enrolled = select(col(EnrollmentRow.person_id)).where(
            col(EnrollmentRow.program_id) == program_id
        )
        statement = select(col(BlockRow.person_id), col(BlockRow.blocked_id)).where(
            col(BlockRow.person_id).in_(enrolled)
        )
        return {frozenset(row) for row in await self._rows(statement)}

    async def _stream(self, statement: Any, *, mappings: bool = True) -> AsyncIterator[Any]:
        """The rows of a large read, fetched a partition at a time: between partitions
        the event loop serves everyone else instead of waiting for the whole read."""
        connection = await self.session.connection()
        result = await connection.stream(statement)
        rows = result.mappings() if mappings else result
        async for partition in rows.partitions(PARTITION):
            for row in partition:
                yield row

    async def _rows(self, statement: Any) -> list[Any]:
        return list((await self._execute(statement)).all())

    async def _execute(self, statement: Any) -> Any:
        connection = await self.session.connection()  # Core rows: no ORM loading per row
        return await connection.execute(statement)


_PERSON = [column.label(f"p_{column.name}") for column in _table(PersonRow).c]
_ENROLLMENT = [column.label(f"e_{column.name}") for column in _table(EnrollmentRow).c]


def _person(row: Any) -> Person:
    return mapping_to_domain(row, Person, prefix="p_")


def _enrollment(row: Any) -> Enrollment:
    return mapping_to_domain(row, Enrollment, prefix="e_")
