"""Claimed rows waiting in memory: one lane per platform, and the group commit their
outcomes share."""

from __future__ import annotations

import asyncio
import math
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from core.identity import Platform, PlatformAccount
from core.messages import PairSpaceCopy, Reply
from core.pacing import Scope
from core.ports import OutboxMessage, UnitOfWork, UnitOfWorkFactory


@dataclass(slots=True)
class Job:
    message: OutboxMessage
    reply: Reply
    accounts: list[PlatformAccount]  # reachable ones with a sender, best first
    scopes: list[Scope] = field(default_factory=list)
    reserved: list[str] = field(default_factory=list)  # scopes counted in Reservations
    queued: bool = False  # waiting in a lane (again, after a reroute)
    pair_space: PairSpaceCopy | None = None
    partner_accounts: list[PlatformAccount] = field(default_factory=list)

    @property
    def account(self) -> PlatformAccount:
        return self.accounts[0]

    @property
    def id(self) -> int:
        assert self.message.id is not None
        return self.message.id


Write = Callable[[UnitOfWork], Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class _Mark:
    row_id: int
    account_id: int


@dataclass(frozen=True, slots=True)
class _Release:
    message: OutboxMessage


_Entry = Write | _Mark | _Release


class GroupCommit:
    """Writes queued by many senders, done together: one transaction per batch, and the
    next batch gathers while the current one commits (group commit). SQLite has one writer
    at a time, and a statement costs far more event-loop time than the row it writes, so
    the senders' bookkeeping — "sending" before each call, the outcome after — goes in
    one statement per run of marks and one executemany per run of outcomes, whatever the
    number of senders; other writes (pair spaces) join the transaction one by one, in
    the order they were submitted."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        *,
        worker: str,
        lease: timedelta,
        now: Callable[[], datetime],
    ) -> None:
        self._uow_factory = uow_factory
        self._worker = worker
        self._lease = lease
        self._now = now
        self._pending: list[tuple[_Entry, asyncio.Future[Any]]] = []
        self._task: asyncio.Task[None] | None = None

    async def submit(self, write: Write) -> Any:
        """Run ``write`` in the next transaction; its result."""
        return await self._enqueue(write)

    async def mark_sending(self, row_id: int, account_id: int) -> int | None:
        """:meth:`~core.ports.Outbox.mark_sending` in the next transaction."""
        attempts: int | None = await self._enqueue(_Mark(row_id, account_id))
        return attempts

    async def release(self, message: OutboxMessage) -> bool:
        """:meth:`~core.ports.Outbox.release` (dropping the lease) in the next transaction."""
        kept: bool = await self._enqueue(_Release(message))
        return kept

    async def _enqueue(self, entry: _Entry) -> Any:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending.append((entry, future))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run())
        return await future

    async def _run(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                async with self._uow_factory() as uow:
                    results = await self._write(uow, [entry for entry, _ in batch])
                    await uow.commit()
            except Exception as exc:
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, future), result in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(result)

    async def _write(self, uow: UnitOfWork, entries: list[_Entry]) -> list[Any]:
        results: list[Any] = [None] * len(entries)
        for run in _runs(entries):
            first = run[0][1]
            if isinstance(first, _Mark):
                marks = {cast(_Mark, e).row_id: cast(_Mark, e).account_id for _, e in run}
                attempts = await uow.outbox.mark_sending_many(
                    marks, worker=self._worker, now=self._now(), lease=self._lease
                )
                for index, entry in run:
                    results[index] = attempts.get(cast(_Mark, entry).row_id)
            elif isinstance(first, _Release):
                messages = [cast(_Release, e).message for _, e in run]
                kept = await uow.outbox.release_many(messages, worker=self._worker)
                for (index, _), message in zip(run, messages, strict=True):
                    results[index] = message.id in kept
            else:
                for index, write in run:
                    results[index] = await cast(Write, write)(uow)
        return results

    async def close(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        for _, future in self._pending:
            future.cancel()
        self._pending.clear()


def _runs(entries: list[_Entry]) -> list[list[tuple[int, _Entry]]]:
    """The entries (with their positions) grouped for writing: between two other writes,
    all marks in one run and all outcomes in another (each names a different row, so their
    order doesn't matter; a row named again starts new runs after the first). Other writes
    keep their place and their order."""
    runs: list[list[tuple[int, _Entry]]] = []
    marks: list[tuple[int, _Entry]] = []
    outcomes: list[tuple[int, _Entry]] = []
    rows: set[int] = set()

    for index, entry in enumerate(entries):
        if isinstance(entry, _Mark | _Release):
            row = _row_of(entry)
            if row in rows:
                runs.extend(run for run in (marks, outcomes) if run)
                marks, outcomes, rows = [], [], set()
            (marks if isinstance(entry, _Mark) else outcomes).append((index, entry))
            rows.add(row)
            continue
        runs.extend(run for run in (marks, outcomes) if run)
        marks, outcomes, rows = [], [], set()
        if runs and not isinstance(runs[-1][0][1], _Mark | _Release):
            runs[-1].append((index, entry))
        else:
            runs.append([(index, entry)])
    runs.extend(run for run in (marks, outcomes) if run)
    return runs


def _row_of(entry: _Mark | _Release) -> int:
    if isinstance(entry, _Mark):
        return entry.row_id
    return entry.message.id or 0


class Lane:
    """One platform: claimed messages waiting to be sent, and up to ``size`` senders.

    Messages wait in one FIFO per widest scope (the bot, or each workspace), and a
    sender takes the message whose scopes are ready soonest, not the oldest one: a paused
    or slow workspace, or a busy chat, must not hold up messages that could go now.
    """

    SCAN = 16  # how far into each scope's queue a sender looks for a ready message

    def __init__(self, platform: Platform, size: int) -> None:
        self.platform = platform
        self.size = size
        self.queues: dict[str, deque[Job]] = {}
        self.tasks: set[asyncio.Task[None]] = set()
        self.active = 0

    def push(self, job: Job) -> None:
        self.queues.setdefault(job.scopes[0].name, deque()).append(job)

    def waiting(self) -> int:
        return sum(len(queue) for queue in self.queues.values())

    def jobs(self) -> list[Job]:
        return [job for queue in self.queues.values() for job in queue]

    def keep_only(self, keep: Callable[[Job], bool]) -> None:
        for name, queue in list(self.queues.items()):
            kept = deque(job for job in queue if keep(job))
            if kept:
                self.queues[name] = kept
            else:
                del self.queues[name]

    @property
    def load(self) -> int:
        return self.waiting() + self.active

    def pick(self, wait: Callable[[Job], float], *, ready: float) -> Job:
        """Take the queued job whose ``wait`` is shortest, the oldest among equals; a job
        within ``ready`` seconds of its slot ends the look into its queue."""
        best: tuple[float, str, int] = (math.inf, "", 0)
        for name, queue in self.queues.items():
            for index in range(min(self.SCAN, len(queue))):
                seconds = wait(queue[index])
                if seconds < best[0]:
                    best = (seconds, name, index)
                if seconds <= ready:
                    break  # later ones in this queue can't beat its head by much
        _, name, index = best
        queue = self.queues[name]
        job = queue[index]
        del queue[index]
        if not queue:
            del self.queues[name]
        job.queued = False
        return job


class Held:
    """The claimed rows in memory (queued or being sent), each counted under its widest
    scope, so a scope's backlog can be bounded."""

    def __init__(self) -> None:
        self._scopes: dict[int, str] = {}  # row id -> widest scope
        self._load: dict[str, int] = {}  # rows held per widest scope

    def hold(self, job_id: int, scope: str) -> None:
        if self._scopes.get(job_id) != scope:
            self.release(job_id)
            self._scopes[job_id] = scope
            self._load[scope] = self._load.get(scope, 0) + 1

    def release(self, job_id: int) -> None:
        scope = self._scopes.pop(job_id, None)
        if scope is not None:
            left = self._load.get(scope, 0) - 1
            if left > 0:
                self._load[scope] = left
            else:
                self._load.pop(scope, None)

    def load(self, scope: str) -> int:
        return self._load.get(scope, 0)

    def clear(self) -> None:
        self._scopes.clear()
        self._load.clear()

    def __contains__(self, job_id: object) -> bool:
        return job_id in self._scopes

    def __len__(self) -> int:
        return len(self._scopes)


class Reservations:
    """How many senders picked a message in each scope and wait for its slot: a sender
    choosing its next message counts them, so they don't all queue for one busy chat."""

    def __init__(self) -> None:
        self._counts: dict[str, int] = {}

    def delay(self, scopes: Sequence[Scope]) -> float:
        return max((self._counts.get(s.name, 0) / s.rate.per_second for s in scopes), default=0.0)

    def take(self, job: Job) -> None:
        job.reserved = [scope.name for scope in job.scopes]
        for name in job.reserved:
            self._counts[name] = self._counts.get(name, 0) + 1

    def give_back(self, job: Job) -> None:
        for name in job.reserved:
            left = self._counts.get(name, 0) - 1
            if left > 0:
                self._counts[name] = left
            else:
                self._counts.pop(name, None)
        job.reserved = []

    def clear(self) -> None:
        self._counts.clear()


def scope_named_by(scopes: Sequence[Scope], named: str) -> Scope:
    """The pacing scope a 429 refers to. Senders name it as the pacer does
    (:class:`~core.pacing.PlatformPacing`); an unscoped 429 pauses the widest; a name the
    pacer doesn't know is taken as the conversation's, never the whole platform's."""
    exact = next((scope for scope in scopes if scope.name == named), None)
    if exact is not None:
        return exact
    if not named:
        return scopes[0]
    conversations = [scope for scope in scopes if not scope.name.endswith(":new-dm")]
    return conversations[-1] if conversations else scopes[-1]
