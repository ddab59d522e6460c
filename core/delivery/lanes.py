"""Claimed rows waiting in memory: one lane per platform, and the group commit their
outcomes share."""

from __future__ import annotations

import asyncio
import math
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

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


class GroupCommit:
    """Writes queued by many senders, done together: one transaction per batch, and the
    next batch gathers while the current one commits (group commit). At 75 messages a
    second that is a handful of transactions instead of 150 — SQLite has one writer at a
    time — and far less event-loop time in the ORM (which showed up as pacing jitter)."""

    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory
        self._pending: list[tuple[Write, asyncio.Future[Any]]] = []
        self._task: asyncio.Task[None] | None = None

    async def submit(self, write: Write) -> Any:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending.append((write, future))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run())
        return await future

    async def _run(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                async with self._uow_factory() as uow:
                    results = [await write(uow) for write, _ in batch]
                    await uow.commit()
            except Exception as exc:
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, future), result in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(result)

    async def close(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        for _, future in self._pending:
            future.cancel()
        self._pending.clear()


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
