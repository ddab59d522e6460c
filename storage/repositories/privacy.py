"""Forgetting a person, retention purges and removed workspaces (see core.privacy)."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import String, Table, cast, delete, func, or_, select, update

from core.ports import ForgetReport
from storage.repositories.base import _Statements, _table
from storage.tables import (
    AccountRow,
    AgreementRow,
    BlockRow,
    CheckInAnswerRow,
    CheckInRow,
    DialogRow,
    DirectChannelRow,
    DraftRowRow,
    DueItemRow,
    EnrollmentRow,
    FeedbackRow,
    GoalRow,
    NoteRow,
    OutboxRow,
    PairRow,
    PersonRow,
    ProgramRow,
    RemovedWorkspaceRow,
)

FINISHED_OUTBOX = ("sent", "uncertain", "failed", "unreachable")
SCAN_BATCH = 500


def _contains(value: Any, needles: Sequence[str]) -> bool:
    """Whether any needle appears (case-insensitively) anywhere in a JSON value or text."""
    if value is None or not needles:
        return False
    text = (value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)).casefold()
    return any(needle in text for needle in needles)


class SqlPrivacy(_Statements):
    # --- forget one person ---------------------------------------------------------------

    async def forget(
        self,
        person_id: int,
        *,
        actors: Collection[str],
        needles: Iterable[str],
        placeholder_name: str,
        placeholder_handle: str,
    ) -> ForgetReport:
        lowered = sorted({n.casefold() for n in needles if len(n.strip()) >= 4}, key=len)
        report: dict[str, int] = {}
        pair_t, person_t = _table(PairRow), _table(PersonRow)
        pair_ids = list(
            (
                await self._run(
                    select(pair_t.c.id).where(
                        or_(pair_t.c.mentor_id == person_id, pair_t.c.mentee_id == person_id)
                    )
                )
            ).scalars()
        )
        subjects = [f"pair:{p}" for p in pair_ids] + [f"request:{p}" for p in pair_ids]

        dialog_t = _table(DialogRow)
        if actors:
            report["dialog_state"] = await self._count(
                delete(dialog_t).where(dialog_t.c.actor.in_(list(actors)))
            )
        outbox_t, due_t = _table(OutboxRow), _table(DueItemRow)
        report["outbox"] = await self._count(
            delete(outbox_t).where(outbox_t.c.person_id == person_id)
        )
        report["due_item"] = await self._count(delete(due_t).where(due_t.c.person_id == person_id))
        if subjects:
            report["due_item"] += await self._count(
                delete(due_t).where(due_t.c.subject.in_(subjects))
            )
        account_t, direct_t = _table(AccountRow), _table(DirectChannelRow)
        report["direct_channel"] = await self._count(
            delete(direct_t).where(
                direct_t.c.account_id.in_(
                    select(account_t.c.id).where(account_t.c.person_id == person_id)
                )
            )
        )
        for row, column in (
            (NoteRow, "author_id"),
            (FeedbackRow, "author_id"),
            (GoalRow, "owner_id"),
            (EnrollmentRow, "person_id"),
            (AccountRow, "person_id"),
        ):
            table = _table(row)
            report[table.name] = await self._count(
                delete(table).where(table.c[column] == person_id)
            )
        block_t = _table(BlockRow)
        report["block"] = await self._count(
            delete(block_t).where(
                or_(block_t.c.person_id == person_id, block_t.c.blocked_id == person_id)
            )
        )
        answer_t = _table(CheckInAnswerRow)
        report["checkin_answer"] = await self._count(
            update(answer_t)
            .where(answer_t.c.person_id == person_id)
            .values(note="", answers=[], questions=[], note_shared=False)
        )
        if pair_ids:
            agreement_t = _table(AgreementRow)
            report["agreement"] = await self._count(
                delete(agreement_t).where(agreement_t.c.pair_id.in_(pair_ids))
            )
            report["pair"] = await self._count(
                update(pair_t).where(pair_t.c.id.in_(pair_ids)).values(end_reason="")
            )
        draft_t = _table(DraftRowRow)
        report["match_draft_row"] = await self._count(
            delete(draft_t).where(draft_t.c.mentee_id == person_id)
        ) + await self._count(
            update(draft_t)
            .where(draft_t.c.mentor_id == person_id)
            .values(mentor_id=None, reasons=[], phrase="", score=0.0)
        )
        await self._run(
            update(person_t)
            .where(person_t.c.id == person_id)
            .values(
                name=placeholder_name,
                handle=placeholder_handle,
                timezone="UTC",
                languages=[],
                quiet_start=21,
                quiet_end=8,
                paused_until=None,
            )
        )
        report["person"] = 1
        # Copies of what they said in other people's messages, schedules and dialogs.
        for table, column in (
            (outbox_t, "payload"),
            (due_t, "payload"),
            (dialog_t, "data"),
            (draft_t, "phrase"),
            (draft_t, "reasons"),
        ):
            found = await self._scan(table, column, lowered)
            if found:
                report[table.name] = report.get(table.name, 0) + await self._count(
                    delete(table).where(table.c.id.in_(found))
                )
        await self.session.flush()
        return ForgetReport({k: v for k, v in report.items() if v})

    async def _scan(self, table: Table, column: str, needles: Sequence[str]) -> list[int]:
        """Ids of rows whose ``column`` mentions a needle, read in batches by id."""
        if not needles:
            return []
        found: list[int] = []
        last = 0
        while True:
            rows = (
                await self._run(
                    select(table.c.id, table.c[column])
                    .where(table.c.id > last)
                    .order_by(table.c.id)
                    .limit(SCAN_BATCH)
                )
            ).all()
            if not rows:
                return found
            found += [row_id for row_id, value in rows if _contains(value, needles)]
            last = rows[-1][0]

    # --- retention -----------------------------------------------------------------------

    async def purge_ended_pairs(self, *, before: datetime) -> int:
        """Delete the content of pairs that ended (or went nowhere) before ``before``:
        notes, agreements, feedback text and check-in answer text. The pair, its check-in
        rows and each answer's met/minutes/rating stay, as anonymous history. Returns how
        many rows were deleted or cleared."""
        pair_t = _table(PairRow)
        old = select(pair_t.c.id).where(
            pair_t.c.status.in_(("ended", "declined", "expired")),
            pair_t.c.ended_at.is_not(None),
            pair_t.c.ended_at < before,
        )
        note_t, agreement_t = _table(NoteRow), _table(AgreementRow)
        feedback_t, answer_t, checkin_t = (
            _table(FeedbackRow),
            _table(CheckInAnswerRow),
            _table(CheckInRow),
        )
        purged = await self._count(delete(note_t).where(note_t.c.pair_id.in_(old)))
        purged += await self._count(delete(agreement_t).where(agreement_t.c.pair_id.in_(old)))
        purged += await self._count(
            update(feedback_t)
            .where(
                feedback_t.c.pair_id.in_(old),
                or_(
                    feedback_t.c.what_happened != "",
                    feedback_t.c.effect != "",
                    feedback_t.c.suggestion != "",
                    feedback_t.c.reason != "",
                ),
            )
            .values(what_happened="", effect="", suggestion="", reason="")
        )
        checkins = select(checkin_t.c.id).where(checkin_t.c.pair_id.in_(old))
        purged += await self._count(
            update(answer_t)
            .where(
                answer_t.c.checkin_id.in_(checkins),
                or_(answer_t.c.note != "", func.length(cast(answer_t.c.answers, String)) > 2),
            )
            .values(note="", answers=[], questions=[])
        )
        purged += await self._count(
            update(pair_t)
            .where(pair_t.c.id.in_(old), pair_t.c.end_reason != "")
            .values(end_reason="")
        )
        return purged

    async def clear_sent_payloads(self, *, before: datetime) -> int:
        """Empty the payload of finished outbox rows sent (else created) before ``before``. The row
        stays (its key still stops a resend) until the outbox purge deletes it."""
        t = _table(OutboxRow)
        return await self._count(
            update(t)
            .where(
                t.c.status.in_(FINISHED_OUTBOX),
                func.coalesce(t.c.sent_at, t.c.created_at) < before,
                func.length(cast(t.c.payload, String)) > 2,  # not already {}
            )
            .values(payload={})
        )

    # --- removed workspaces ----------------------------------------------------------------

    async def workspace_removed(self, platform: str, workspace: str, at: datetime) -> None:
        t = _table(RemovedWorkspaceRow)
        known = (
            await self._run(
                select(t.c.id).where(t.c.platform == platform, t.c.workspace == workspace)
            )
        ).first()
        if known is None:
            await self._run(
                t.insert().values(platform=platform, workspace=workspace, removed_at=at)
            )

    async def workspace_back(self, platform: str, workspace: str) -> bool:
        t = _table(RemovedWorkspaceRow)
        return bool(
            await self._count(delete(t).where(t.c.platform == platform, t.c.workspace == workspace))
        )

    async def removed_before(self, before: datetime) -> list[tuple[str, str]]:
        t = _table(RemovedWorkspaceRow)
        rows = (
            await self._run(
                select(t.c.platform, t.c.workspace).where(t.c.removed_at < before).order_by(t.c.id)
            )
        ).all()
        return [(platform, workspace) for platform, workspace in rows]

    async def people_only_in(self, platform: str, workspace: str) -> list[int]:
        """People all of whose accounts are in this workspace."""
        t = _table(AccountRow)
        here = select(t.c.person_id).where(t.c.platform == platform, t.c.workspace == workspace)
        elsewhere = select(t.c.person_id).where(
            or_(t.c.platform != platform, t.c.workspace != workspace)
        )
        rows = (
            await self._run(
                select(t.c.person_id)
                .where(t.c.person_id.in_(here), t.c.person_id.not_in(elsewhere))
                .distinct()
                .order_by(t.c.person_id)
            )
        ).scalars()
        return list(rows)

    async def delete_programs(self, program_ids: Collection[int]) -> int:
        """Delete programs with everything in them (enrolments, pairs and their content,
        goals, drafts: the foreign keys cascade), and the due items of their pairs."""
        if not program_ids:
            return 0
        pair_t, due_t = _table(PairRow), _table(DueItemRow)
        pair_ids = list(
            (
                await self._run(select(pair_t.c.id).where(pair_t.c.program_id.in_(program_ids)))
            ).scalars()
        )
        subjects = [f"pair:{p}" for p in pair_ids] + [f"request:{p}" for p in pair_ids]
        for start in range(0, len(subjects), SCAN_BATCH):
            await self._run(
                delete(due_t).where(due_t.c.subject.in_(subjects[start : start + SCAN_BATCH]))
            )
        program_t = _table(ProgramRow)
        deleted = await self._count(delete(program_t).where(program_t.c.id.in_(program_ids)))
        await self.session.flush()
        return deleted

    async def idle_people(self, person_ids: Collection[int]) -> list[int]:
        """Those of these people with no enrolment and no pair left."""
        if not person_ids:
            return []
        enrollment_t, pair_t = _table(EnrollmentRow), _table(PairRow)
        busy = set(
            (
                await self._run(
                    select(enrollment_t.c.person_id).where(enrollment_t.c.person_id.in_(person_ids))
                )
            ).scalars()
        )
        for column in (pair_t.c.mentor_id, pair_t.c.mentee_id):
            busy |= set((await self._run(select(column).where(column.in_(person_ids)))).scalars())
        return sorted(set(person_ids) - busy)

    async def drop_workspace(self, platform: str, workspace: str) -> int:
        """Delete the workspace's remaining accounts and dialogs, and the removal record."""
        account_t, dialog_t = _table(AccountRow), _table(DialogRow)
        prefix = f"{platform}:{workspace}:"
        dropped = await self._count(
            delete(dialog_t).where(dialog_t.c.actor.startswith(prefix, autoescape=True))
        )
        dropped += await self._count(
            delete(account_t).where(
                account_t.c.platform == platform, account_t.c.workspace == workspace
            )
        )
        await self.workspace_back(platform, workspace)
        return dropped
