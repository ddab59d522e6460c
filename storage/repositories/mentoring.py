"""Programs and what happens in them: enrolments, pairs and everything a pair keeps."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import and_, or_
from sqlmodel import col, delete, select

from core.model import (
    Agreement,
    Block,
    CheckIn,
    CheckInAnswer,
    Enrollment,
    Feedback,
    Goal,
    Note,
    Pair,
    PairStatus,
    Program,
    Role,
)
from storage.repositories.base import _chunks, _Repo
from storage.tables import (
    AgreementRow,
    BlockRow,
    CheckInAnswerRow,
    CheckInRow,
    EnrollmentRow,
    FeedbackRow,
    GoalRow,
    NoteRow,
    PairRow,
    ProgramRow,
)


class SqlPrograms(_Repo[Program, ProgramRow]):
    domain, row = Program, ProgramRow

    async def by_slug(self, slug: str) -> Program | None:
        return await self._one(select(ProgramRow).where(ProgramRow.slug == slug.lower()))

    async def all(self) -> list[Program]:
        return await self._all(select(ProgramRow).order_by(col(ProgramRow.id)))

    async def in_space(self, space: str) -> list[Program]:
        statement = select(ProgramRow).where(ProgramRow.space == space)
        return await self._all(statement.order_by(col(ProgramRow.id)))


class SqlEnrollments(_Repo[Enrollment, EnrollmentRow]):
    domain, row = Enrollment, EnrollmentRow

    async def find(self, program_id: int, person_id: int, role: Role) -> Enrollment | None:
        return await self._one(
            select(EnrollmentRow).where(
                EnrollmentRow.program_id == program_id,
                EnrollmentRow.person_id == person_id,
                EnrollmentRow.role == role.value,
            )
        )

    async def of_person(self, person_id: int) -> list[Enrollment]:
        return await self._all(
            select(EnrollmentRow)
            .where(EnrollmentRow.person_id == person_id, col(EnrollmentRow.active))
            .order_by(col(EnrollmentRow.id))
        )

    async def of_program(self, program_id: int, role: Role | None = None) -> list[Enrollment]:
        statement = select(EnrollmentRow).where(
            EnrollmentRow.program_id == program_id, col(EnrollmentRow.active)
        )
        if role is not None:
            statement = statement.where(EnrollmentRow.role == role.value)
        return await self._all(statement.order_by(col(EnrollmentRow.id)))

    # --- bulk import ----------------------------------------------------------------------

    async def in_program(self, program_id: int, person_ids: Collection[int]) -> list[Enrollment]:
        found: list[Enrollment] = []
        for chunk in _chunks(person_ids):
            found += await self._all(
                select(EnrollmentRow).where(
                    EnrollmentRow.program_id == program_id,
                    col(EnrollmentRow.person_id).in_(chunk),
                )
            )
        return found


class SqlPairs(_Repo[Pair, PairRow]):
    domain, row = Pair, PairRow

    async def of_person(self, person_id: int) -> list[Pair]:
        return await self._all(
            select(PairRow)
            .where(or_(col(PairRow.mentor_id) == person_id, col(PairRow.mentee_id) == person_id))
            .order_by(col(PairRow.id))
        )

    async def of_program(self, program_id: int) -> list[Pair]:
        return await self._children(PairRow.program_id, program_id, PairRow.id)

    async def pauses_ending(self, now: datetime) -> list[Pair]:
        return await self._all(
            select(PairRow)
            .where(PairRow.status == PairStatus.PAUSED.value, col(PairRow.paused_until) <= now)
            .order_by(col(PairRow.id))
        )

    async def next_change_after(self, after: datetime) -> datetime | None:
        moments = []
        for status, column in (
            (PairStatus.PAUSED, PairRow.paused_until),
            (PairStatus.AWAITING, PairRow.expires_at),
        ):
            statement = (
                select(column)
                .where(PairRow.status == status.value, col(column) > after)
                .order_by(col(column))
                .limit(1)
            )
            moment = (await self.session.exec(statement)).first()
            if moment is not None:
                moments.append(moment)
        return min(moments, default=None)

    async def expired_requests(self, now: datetime) -> list[Pair]:
        return await self._all(
            select(PairRow)
            .where(PairRow.status == PairStatus.AWAITING.value, col(PairRow.expires_at) <= now)
            .order_by(col(PairRow.id))
        )


class SqlAgreements(_Repo[Agreement, AgreementRow]):
    domain, row = Agreement, AgreementRow

    async def of_pair(self, pair_id: int) -> list[Agreement]:
        return await self._children(AgreementRow.pair_id, pair_id, AgreementRow.version)


class SqlCheckIns(_Repo[CheckIn, CheckInRow]):
    domain, row = CheckIn, CheckInRow

    async def of_pair(self, pair_id: int) -> list[CheckIn]:
        return await self._children(CheckInRow.pair_id, pair_id, CheckInRow.period)


class SqlAnswers(_Repo[CheckInAnswer, CheckInAnswerRow]):
    domain, row = CheckInAnswer, CheckInAnswerRow

    async def of_checkin(self, checkin_id: int) -> list[CheckInAnswer]:
        return await self._children(CheckInAnswerRow.checkin_id, checkin_id, CheckInAnswerRow.id)


class SqlGoals(_Repo[Goal, GoalRow]):
    domain, row = Goal, GoalRow

    async def of_owner(self, owner_id: int) -> list[Goal]:
        return await self._children(GoalRow.owner_id, owner_id, GoalRow.id)


class SqlNotes(_Repo[Note, NoteRow]):
    domain, row = Note, NoteRow

    async def of_pair(self, pair_id: int) -> list[Note]:
        return await self._children(NoteRow.pair_id, pair_id, NoteRow.id)


class SqlFeedback(_Repo[Feedback, FeedbackRow]):
    domain, row = Feedback, FeedbackRow

    async def of_pair(self, pair_id: int) -> list[Feedback]:
        return await self._children(FeedbackRow.pair_id, pair_id, FeedbackRow.id)


class SqlBlocks(_Repo[Block, BlockRow]):
    domain, row = Block, BlockRow

    async def of_person(self, person_id: int) -> list[Block]:
        return await self._children(BlockRow.person_id, person_id)

    async def between(self, a: int, b: int) -> bool:
        found = await self.session.exec(
            select(BlockRow.id).where(
                or_(
                    and_(col(BlockRow.person_id) == a, col(BlockRow.blocked_id) == b),
                    and_(col(BlockRow.person_id) == b, col(BlockRow.blocked_id) == a),
                )
            )
        )
        return found.first() is not None

    async def remove(self, person_id: int, blocked_id: int) -> bool:
        result = await self.session.exec(
            delete(BlockRow).where(
                col(BlockRow.person_id) == person_id, col(BlockRow.blocked_id) == blocked_id
            )
        )
        return bool(result.rowcount)

    # --- bulk import ----------------------------------------------------------------------

    async def among(self, person_ids: Collection[int]) -> set[tuple[int, int]]:
        found: set[tuple[int, int]] = set()
        for chunk in _chunks(person_ids):
            rows = await self.session.exec(
                select(BlockRow.person_id, BlockRow.blocked_id).where(
                    or_(col(BlockRow.person_id).in_(chunk), col(BlockRow.blocked_id).in_(chunk))
                )
            )
            found.update((a, b) for a, b in rows.all())
        return found
