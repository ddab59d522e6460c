"""The unit of work: one session, one transaction, rolled back unless committed."""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import Any, Self

from sqlalchemy import event
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.repositories import (
    SqlAccounts,
    SqlAgreements,
    SqlAnswers,
    SqlBlocks,
    SqlCheckIns,
    SqlDialogs,
    SqlDirectChannels,
    SqlDrafts,
    SqlDueItems,
    SqlEnrollments,
    SqlFeedback,
    SqlGoals,
    SqlLinks,
    SqlNotes,
    SqlOutbox,
    SqlPairs,
    SqlPeople,
    SqlPrograms,
)
from storage.repositories.privacy import SqlPrivacy
from storage.repositories.views import SqlProgramViews
from storage.repositories.web import SqlWebAccess


class SqlUnitOfWork:
    people: SqlPeople
    accounts: SqlAccounts
    links: SqlLinks
    direct_channels: SqlDirectChannels
    dialogs: SqlDialogs
    outbox: SqlOutbox
    programs: SqlPrograms
    enrollments: SqlEnrollments
    pairs: SqlPairs
    agreements: SqlAgreements
    checkins: SqlCheckIns
    answers: SqlAnswers
    goals: SqlGoals
    notes: SqlNotes
    feedback: SqlFeedback
    blocks: SqlBlocks
    due: SqlDueItems
    views: SqlProgramViews
    drafts: SqlDrafts
    privacy: SqlPrivacy
    web: SqlWebAccess

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        write_lock: asyncio.Lock | None = None,
        read_only: bool = False,
    ) -> None:
        self._sessions = sessions
        self._read_only = read_only
        # SQLite: every transaction takes the database's write lock (BEGIN IMMEDIATE). Queueing
        # units of work on an asyncio lock first keeps waiting in the event loop instead of
        # in SQLite's busy-timeout sleeps, which back off and stretch tail latency.
        self._write_lock = write_lock
        self._session: AsyncSession | None = None

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("unit of work used outside 'async with'")
        return self._session

    async def __aenter__(self) -> Self:
        if self._write_lock is not None:
            await self._write_lock.acquire()
        try:
            session = self._sessions()
        except BaseException:
            if self._write_lock is not None:
                self._write_lock.release()
            raise
        if self._read_only:
            event.listen(session.sync_session, "before_flush", _refuse_writes)
        self._session = session
        self.people = SqlPeople(session)
        self.accounts = SqlAccounts(session)
        self.links = SqlLinks(session)
        self.direct_channels = SqlDirectChannels(session)
        self.dialogs = SqlDialogs(session)
        self.outbox = SqlOutbox(session)
        self.programs = SqlPrograms(session)
        self.enrollments = SqlEnrollments(session)
        self.pairs = SqlPairs(session)
        self.agreements = SqlAgreements(session)
        self.checkins = SqlCheckIns(session)
        self.answers = SqlAnswers(session)
        self.goals = SqlGoals(session)
        self.notes = SqlNotes(session)
        self.feedback = SqlFeedback(session)
        self.blocks = SqlBlocks(session)
        self.due = SqlDueItems(session)
        self.views = SqlProgramViews(session)
        self.drafts = SqlDrafts(session)
        self.privacy = SqlPrivacy(session)
        self.web = SqlWebAccess(session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            await self.rollback()
        finally:
            await self.session.close()
            self._session = None
            if self._write_lock is not None:
                self._write_lock.release()

    async def commit(self) -> None:
        if self._read_only:
            raise RuntimeError("a read-only unit of work can't commit")
        await self.session.commit()

    async def rollback(self) -> None:
        await self.session.rollback()


def _refuse_writes(session: Any, _context: Any, _instances: Any) -> None:
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("a read-only unit of work can't write")
