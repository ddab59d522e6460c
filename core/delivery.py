"""Delivering the outbox: leased rows, paced per platform, retried, every outcome recorded.

Adapters implement :class:`Sender` and report outcomes with the exceptions below; the
:class:`DeliveryWorker` decides what happens next (retry later, another account, give up).

How a message travels::

    pending ──claim (lease)──▶ pending+lease ──commit "sending"──▶ platform call ──▶ sent
                                                                   │
                    429: pause that scope, back to pending ◀───────┤
                    5xx / network: backoff with jitter ◀───────────┤
                    unreachable: mark the account, next account ◀──┘ … or "unreachable"

**Crash semantics.** A worker commits ``status = "sending"`` (with its lease and the
account) immediately before the platform call, and records the result right after it.

- Crash before that commit: the row is still "pending"; its lease expires; any worker
  claims it again and sends it — once.
- Crash after the commit but before the result is recorded: the row stays "sending" with
  an expired lease. We cannot know whether the platform accepted the message, so it is
  *not* blindly resent. Recovery (:meth:`DeliveryWorker.recover`) asks the sender:
  a :class:`ConfirmingSender` can look the message up by its key (Slack message
  metadata, a Discord nonce, a chat history search) — ``True`` records it sent,
  ``False`` sends it again, ``None`` means it cannot tell. Without a confirmation the row
  is recorded ``"uncertain"`` (assumed sent) and logged.

The trade-off: exactly once where the platform offers a check; otherwise at most once
for the window of one network call of a crashing worker. A mentoring nudge lost in that
rare window costs less than the duplicates users complain about, and the log says
which message to look at.

**Keeping pace.** Claimed rows wait in memory in one lane per platform, one FIFO per
widest scope (the bot, or each Slack workspace); a few senders per platform each take the
message whose scopes are ready soonest, so a paused workspace or a busy chat holds up
nothing else. A row is marked "sending" just before its paced slot (the commit's latency
must not bunch requests into 429s), and marks and outcomes of all senders share one
transaction at a time (group commit: SQLite has a single writer). Rows whose scope is
paused past ``max_hold`` go back to the table until then; each scope holds at most a
minute of its pace in memory, well inside the lease.

**Pair spaces.** A notice with a :class:`~core.messages.PairSpaceCopy` (an intro, a
shared reminder) goes, where the messenger offers it (:class:`PairSpaceSender`), into the
partners' shared conversation once instead of privately to each. The partner's row with
the same key is then recorded as delivered (or inserted so, if it isn't queued yet, so a
later copy is dropped). If the partner already had a private copy, or the shared
conversation can't be used, each gets the message privately, as usual.

**Unreachable people.** An account the platform refuses (Telegram 403, Discord 50007,
Slack ``account_inactive``) is marked unreachable and the message goes to the person's
next reachable account. With none left the row becomes "unreachable", the
``on_unreachable`` hook (the domain: tell the partner and the coordinator) returns notices
that are queued in the same transaction, and a warning is logged — nothing is dropped
silently. Adapters mark an account reachable again when its person comes back.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import math
import random
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import timedelta
from typing import Any, Protocol, runtime_checkable

from core.clock import Clock
from core.dispatch import WorkContext, queue_notices
from core.identity import Platform, PlatformAccount
from core.inbound import KeyedLocks, RecentKeys
from core.messages import (
    Notice,
    PairSpaceCopy,
    Reply,
    SpacePost,
    pair_space_from_data,
    reply_from_data,
    reply_to_data,
)
from core.pacing import Pacer, PlatformPacing, Scope, default_pacing
from core.ports import OutboxMessage, UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)


class DeliveryError(Exception):
    """Base of what a sender may raise."""


class Unreachable(DeliveryError):
    """The platform says this account can't be messaged (blocked, DMs closed, gone)."""


class RateLimited(DeliveryError):
    """A 429. ``scope`` names the paced scope it applies to (see core.pacing); "" means
    the platform as far as this account goes (the bot, or the Slack workspace)."""

    def __init__(self, retry_after: float, scope: str = "") -> None:
        super().__init__(f"rate limited for {retry_after:.1f}s ({scope or 'global'})")
        self.retry_after = retry_after
        self.scope = scope


class TransientFailure(DeliveryError):
    """Network trouble or a 5xx: worth trying again later."""


class Sender(Protocol):
    platform: Platform

    async def send(self, account: PlatformAccount, reply: Reply) -> None:
        """Deliver ``reply`` to ``account`` as a direct message, or raise a DeliveryError."""
        ...


@runtime_checkable
class ConfirmingSender(Sender, Protocol):
    """A sender that can tell, after a crash, whether a message reached the platform.

    It is given the outbox key with every message (``send_keyed``) and stores it where
    it can look it up later (Slack ``metadata``, a Discord ``nonce``…).
    """

    async def send_keyed(self, account: PlatformAccount, reply: Reply, *, key: str) -> None:
        """Like ``send``, tagging the message with ``key``."""
        ...

    async def confirm_sent(self, account: PlatformAccount, key: str) -> bool | None:
        """True: a message tagged ``key`` was delivered; False: it certainly was not;
        None: can't tell."""
        ...


@runtime_checkable
class PairSpaceSender(Protocol):
    """A messenger that can give two of its accounts one shared conversation with the bot
    (Slack: a group DM of both partners and the app)."""

    def shares_pair_space(self, account: PlatformAccount, partner: PlatformAccount) -> bool:
        """Whether these two accounts get a shared conversation here (enabled, same
        workspace, …). Answered without a network call."""
        ...

    async def send_to_pair_space(
        self, account: PlatformAccount, partner: PlatformAccount, reply: Reply
    ) -> None:
        """Post ``reply`` in the shared conversation of the two accounts, or raise a
        DeliveryError. Unreachable means the shared conversation can't be used (the
        message then goes to ``account`` privately, and no account is marked)."""
        ...


class Messenger(Sender, Protocol):
    """A running messenger adapter: receives from its platform, sends through it."""

    async def start(self) -> None:
        """Connect and begin receiving. Returns once receiving has started."""
        ...

    async def stop(self) -> None:
        """Stop receiving and release connections; safe to call twice."""
        ...


@runtime_checkable
class ExclusiveReceiver(Protocol):
    """A messenger whose receiving connection only one worker may hold at a time (Telegram
    long polling, a Discord gateway shard). ``start()`` does everything; with several
    workers the runner calls ``start_sending()`` and gives receiving to whichever worker
    holds its lease (see bots/receiving.py)."""

    async def start_sending(self) -> None:
        """Connect for sending only."""
        ...

    def receiver_name(self) -> str | None:
        """The lease's name (the same for every worker of this bot), known after
        ``start_sending()``; None when receiving needs no lease (e.g. a webhook)."""
        ...

    async def start_receiving(self) -> None: ...

    async def stop_receiving(self) -> None:
        """Stop receiving and stay able to send."""
        ...


@runtime_checkable
class Foreground(Protocol):
    """A messenger that runs in the foreground (the console): ``mentorhub run`` ends
    when it returns, instead of on a stop signal."""

    async def run_in_foreground(self) -> None: ...


@runtime_checkable
class SpacePoster(Protocol):
    """A messenger that can post in a shared space (a group chat) a program is linked to.

    Only the core's :class:`~core.messages.SpacePost` values arrive here (announcements);
    nothing personal is ever posted in a space.
    """

    async def post_to_space(self, space: str, reply: Reply) -> None:
        """Post ``reply`` in ``space`` (``"<platform>:<id>"``), or raise a DeliveryError."""
        ...


async def post_to_space(senders: Mapping[Platform, Sender], post: SpacePost) -> bool:
    """Post through the running messenger of the space's platform. False when that
    messenger can't post in spaces; a DeliveryError when there is none or posting failed.

    Not through the outbox (which is per person): the people concerned get the same
    message as notices, with retries; this is the extra copy for the group.
    """
    try:
        sender = senders.get(Platform(post.space.partition(":")[0]))
    except ValueError:  # not a platform's space
        sender = None
    if sender is None:
        raise Unreachable(f"no running messenger posts in {post.space[:64]!r}")
    if not isinstance(sender, SpacePoster):
        return False
    await sender.post_to_space(post.space, post.reply)
    return True


PAIR_SPACE_NOTE = "posted in the pair space"  # last_error of a row delivered that way
FORGET_EVERY = 300.0  # seconds between sweeps of idle pacing state
SLOT_MARGIN = 0.1  # seconds before a paced slot that a row is marked "sending"
CLAIM_QUIET = 0.5  # seconds between claims while a claim comes back short
BACKLOG_QUIET = 5.0  # seconds between claims while every scope's backlog is full
MAX_HELD = 10_000  # claimed rows held in memory at most (queued or being sent)

UnreachableHook = Callable[[WorkContext, int, OutboxMessage], Awaitable[Sequence[Notice]]]
"""``(ctx, person_id, message) -> notices``: the person can't be reached on any account;
whom to tell instead (e.g. their partner and the program coordinator)."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff with "equal jitter": attempt n waits between half and all of
    ``min(cap, base * 2**(n-1))``, so failed sends don't return in lockstep."""

    max_attempts: int = 8
    base: timedelta = timedelta(seconds=10)
    cap: timedelta = timedelta(hours=1)

    def delay(self, attempt: int, rng: random.Random) -> timedelta:
        ceiling: timedelta = min(self.cap, self.base * 2 ** max(0, attempt - 1))
        half: timedelta = ceiling / 2
        return half + half * rng.random()


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    sent: int = 0
    retried: int = 0  # transient failure: back to pending with a backoff
    failed: int = 0  # gave up after RetryPolicy.max_attempts
    unreachable: int = 0  # no reachable account left; on_unreachable was told
    rerouted: int = 0  # an account was unreachable; trying the person's next one
    rate_limited: int = 0  # a 429 paused a scope
    deferred: int = 0  # put back for later by pacing (scope paused, lane backlog)
    shared: int = 0  # delivered by the post in the pair space made for the partner
    confirmed: int = 0  # recovered after a crash: the sender confirmed (or denied) it
    uncertain: int = 0  # recovered after a crash: can't tell, assumed sent
    lost: int = 0  # our lease was taken over before we could act

    def __add__(self, other: DeliveryReport) -> DeliveryReport:
        return DeliveryReport(
            *(getattr(self, f.name) + getattr(other, f.name) for f in fields(DeliveryReport))
        )


@dataclass(slots=True)
class _Tally:
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, name: str, amount: int = 1) -> None:
        self.counts[name] = self.counts.get(name, 0) + amount

    def report(self) -> DeliveryReport:
        return DeliveryReport(**self.counts)


@dataclass(slots=True)
class _Job:
    message: OutboxMessage
    reply: Reply
    accounts: list[PlatformAccount]  # reachable ones with a sender, best first
    scopes: list[Scope] = field(default_factory=list)
    reserved: list[str] = field(default_factory=list)  # scopes counted in _reserved
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


class _GroupCommit:
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


class _Lane:
    """One platform: claimed messages waiting to be sent, and up to ``size`` senders.

    Messages wait in one FIFO per widest scope (the bot, or each Slack workspace), and a
    sender takes the message whose scopes are ready soonest, not the oldest one: a paused
    or slow workspace, or a busy chat, must not hold up messages that could go now.
    """

    SCAN = 16  # how far into each scope's queue a sender looks for a ready message

    def __init__(self, platform: Platform, size: int) -> None:
        self.platform = platform
        self.size = size
        self.queues: dict[str, deque[_Job]] = {}
        self.tasks: set[asyncio.Task[None]] = set()
        self.active = 0

    def push(self, job: _Job) -> None:
        self.queues.setdefault(job.scopes[0].name, deque()).append(job)

    def waiting(self) -> int:
        return sum(len(queue) for queue in self.queues.values())

    def jobs(self) -> list[_Job]:
        return [job for queue in self.queues.values() for job in queue]

    def keep_only(self, keep: Callable[[_Job], bool]) -> None:
        for name, queue in list(self.queues.items()):
            kept = deque(job for job in queue if keep(job))
            if kept:
                self.queues[name] = kept
            else:
                del self.queues[name]

    @property
    def load(self) -> int:
        return self.waiting() + self.active


class DeliveryWorker:
    """Sends what is due in the outbox; one instance per process, reused across passes
    (its pacer remembers each scope's pace and pauses between passes).

    ``deliver()`` returns once nothing claimable is left and every send has finished.
    Several processes may run workers on the same database: rows are leased, and a
    worker only records outcomes of rows it still holds.
    """

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        senders: Mapping[Platform, Sender],
        clock: Clock,
        *,
        worker: str,
        pacer: Pacer | None = None,
        pacing: Mapping[Platform, PlatformPacing] | None = None,
        senders_per_platform: int = 16,
        batch: int = 100,
        lease: timedelta = timedelta(minutes=2),
        max_hold: float = 2.0,
        retry: RetryPolicy | None = None,
        on_unreachable: UnreachableHook | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.uow_factory = uow_factory
        self.senders = senders  # live: the runner adds messengers after start-up
        self.clock = clock
        self.worker = worker
        self.pacer = pacer or Pacer()
        self._last_forget = self.pacer.monotonic()
        self.pacing = dict(pacing or default_pacing())
        self.senders_per_platform = senders_per_platform
        self.batch = batch
        self.lease = lease
        self.max_hold = max_hold
        self.retry = retry or RetryPolicy()
        self.on_unreachable = on_unreachable
        self.rng = rng or random.Random()
        self._lanes: dict[Platform, _Lane] = {}
        self._reserved: dict[str, int] = {}  # scope -> senders that picked a message in it
        self._held: dict[int, str] = {}  # rows in our lanes (queued or being sent) -> scope
        self._scope_load: dict[str, int] = {}  # rows held per widest scope
        self._recording: set[asyncio.Task[None]] = set()  # outcomes being written
        self._progress = asyncio.Event()
        self._tally = _Tally()
        self._pass = asyncio.Lock()
        self._writes = _GroupCommit(uow_factory)
        self._pair_space_locks: KeyedLocks[str] = KeyedLocks()
        # (a pair's message, whether it went to their pair space): decided by its first row
        self._pair_space_choices: RecentKeys[tuple[str, bool]] = RecentKeys(capacity=10_000)

    # ------------------------------------------------------------------ the pass

    async def deliver(self) -> DeliveryReport:
        async with self._pass:
            try:
                report = await self._deliver()
                self._forget_idle_pacing()
                return report
            except asyncio.CancelledError:
                await self._stop_lanes()  # shutting down: leases expire, nothing is lost
                raise

    def _forget_idle_pacing(self) -> None:
        """Per-chat pacing state would otherwise grow with every person ever messaged;
        drop what has been idle for an hour, checking at most every few minutes."""
        now = self.pacer.monotonic()
        if now - self._last_forget >= FORGET_EVERY:
            self._last_forget = now
            self.pacer.forget_idle(older_than=3600.0)

    async def _stop_lanes(self) -> None:
        tasks = [task for lane in self._lanes.values() for task in lane.tasks]
        tasks.extend(self._recording)
        for lane in self._lanes.values():
            lane.queues.clear()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self._writes.close()
        self._reserved.clear()
        self._held.clear()
        self._scope_load.clear()

    async def _deliver(self) -> DeliveryReport:
        self._tally = _Tally()
        await self.recover()
        threshold = max(1, self.batch // 4)  # claim in chunks, not one row per send
        loop = asyncio.get_running_loop()
        quiet_until = 0.0  # after a short claim, the table has nothing more for a while
        while True:
            room, idle = self._room(), self._idle()
            wanted = room >= threshold or (room > 0 and idle)
            if wanted and (idle or loop.time() >= quiet_until):
                limit = min(room, self.batch)
                claimed = await self._claim(limit)
                held_before = len(self._held)
                for job in claimed:
                    await self._route(job)
                taken = len(self._held) - held_before
                if taken < len(claimed) // 4:  # mostly given back: the backlog is full
                    quiet_until = loop.time() + BACKLOG_QUIET
                elif len(claimed) < limit:  # the table has nothing more for now
                    quiet_until = loop.time() + CLAIM_QUIET
                if claimed:
                    continue
                idle = self._idle()
            if idle:
                break
            await self._wait_for_progress(max(0.0, quiet_until - loop.time()) or None)
        return self._tally.report()

    def _room(self) -> int:
        return max(0, MAX_HELD - len(self._held))

    def _hold(self, job: _Job) -> None:
        scope = job.scopes[0].name
        if self._held.get(job.id) != scope:
            self._release_hold(job.id)
            self._held[job.id] = scope
            self._scope_load[scope] = self._scope_load.get(scope, 0) + 1

    def _release_hold(self, job_id: int) -> None:
        scope = self._held.pop(job_id, None)
        if scope is not None:
            left = self._scope_load.get(scope, 0) - 1
            if left > 0:
                self._scope_load[scope] = left
            else:
                self._scope_load.pop(scope, None)

    def _backlog(self, scope: Scope) -> tuple[int, int]:
        """Rows held for ``scope`` and how many it may have: a minute of its pace (well
        inside the lease), so one slow workspace can't fill memory or starve another."""
        allowed = max(4 * self.senders_per_platform, math.ceil(scope.rate.per_second * 60))
        return self._scope_load.get(scope.name, 0), allowed

    def _idle(self) -> bool:
        lanes_idle = all(not lane.queues and not lane.tasks for lane in self._lanes.values())
        return lanes_idle and not self._recording

    async def _wait_for_progress(self, at_most: float | None = None) -> None:
        """Until a send finishes, or ``at_most`` seconds (time to look at the table again)."""
        try:
            async with asyncio.timeout(at_most):
                await self._progress.wait()
        except TimeoutError:
            return
        self._progress.clear()

    async def _claim(self, limit: int) -> list[_Job]:
        async with self.uow_factory() as uow:
            messages = await uow.outbox.claim(
                now=self.clock.now(), limit=limit, worker=self.worker, lease=self.lease
            )
            spaces = {m.id: pair_space_from_data(m.payload) for m in messages}
            partners = {space.partner_id for space in spaces.values() if space is not None}
            everyone = await uow.accounts.of_people({m.person_id for m in messages} | partners)
            await uow.commit()
        accounts = {
            person_id: [a for a in found if a.reachable and a.platform in self.senders]
            for person_id, found in everyone.items()
        }
        # A row we still hold in memory whose lease ran out comes back to us: the claim
        # renewed its lease, and the copy in the lane is the one that will be sent.
        fresh = [m for m in messages if m.id not in self._held]
        jobs = []
        for m in fresh:
            job = _Job(m, reply_from_data(m.payload), accounts[m.person_id])
            if (space := spaces[m.id]) is not None:
                job.pair_space, job.partner_accounts = space, accounts[space.partner_id]
            jobs.append(job)
        return jobs

    async def _route(self, job: _Job) -> None:
        """Queue the job on the lane of its current account (or give up on the person)."""
        if not job.accounts:
            await self._nobody_to_send_to(job, "no reachable account")
            return
        account = job.account
        sender = self.senders[account.platform]
        pacing = self.pacing.get(account.platform) or PlatformPacing(account.platform)
        opens = getattr(sender, "opens_conversation", None)
        job.scopes = pacing.scopes(account, opens_conversation=bool(opens and opens(account)))
        lane = self._lane(account.platform, pacing)
        if (wait := self.pacer.wait_time(job.scopes)) > self.max_hold:  # e.g. a paused scope
            await self._put_back(job, timedelta(seconds=wait), "deferred", "paced")
            return
        held, allowed = self._backlog(job.scopes[0])
        if held >= allowed and job.id not in self._held:  # come back when half has gone
            delay = timedelta(seconds=max(1.0, held / job.scopes[0].rate.per_second / 2))
            await self._put_back(job, delay, "deferred", "paced: backlog")
            return
        lane.push(job)
        job.queued = True
        self._hold(job)
        while len(lane.tasks) < min(lane.size, lane.load):
            task = asyncio.create_task(self._run_lane(lane))
            lane.tasks.add(task)
            task.add_done_callback(functools.partial(self._lane_task_done, lane))

    def _lane_task_done(self, lane: _Lane, task: asyncio.Task[None]) -> None:
        lane.tasks.discard(task)
        self._progress.set()  # the pass may be waiting for the last sender to finish

    def _lane(self, platform: Platform, pacing: PlatformPacing) -> _Lane:
        lane = self._lanes.get(platform)
        if lane is None:
            lane = self._lanes[platform] = _Lane(platform, self.senders_per_platform)
        return lane

    async def _run_lane(self, lane: _Lane) -> None:
        while lane.queues:
            job = self._pick(lane)
            lane.active += 1
            try:
                await self._attempt(job)
            except Exception:
                # A bug or the database: the lease expires and another pass retries.
                log.exception("delivering outbox message %s failed unexpectedly", job.id)
            finally:
                self._unreserve(job)
                if not job.queued:  # sent, given back or finished: no longer ours to hold
                    self._release_hold(job.id)
                lane.active -= 1
                self._progress.set()

    def _pick(self, lane: _Lane) -> _Job:
        """The queued job whose scopes free up soonest (counting the senders already
        waiting in each scope); the oldest among equals."""
        best: tuple[float, str, int] = (math.inf, "", 0)
        for name, queue in lane.queues.items():
            for index in range(min(lane.SCAN, len(queue))):
                job = queue[index]
                wait = self.pacer.wait_time(job.scopes) + max(
                    (self._reserved.get(s.name, 0) / s.rate.per_second for s in job.scopes),
                    default=0.0,
                )
                if wait < best[0]:
                    best = (wait, name, index)
                if wait <= SLOT_MARGIN:
                    break  # later ones in this queue can't beat its head by much
        _, name, index = best
        queue = lane.queues[name]
        job = queue[index]
        del queue[index]
        if not queue:
            del lane.queues[name]
        job.queued = False
        job.reserved = [scope.name for scope in job.scopes]
        for scope_name in job.reserved:
            self._reserved[scope_name] = self._reserved.get(scope_name, 0) + 1
        return job

    def _unreserve(self, job: _Job) -> None:
        for name in job.reserved:
            left = self._reserved.get(name, 0) - 1
            if left > 0:
                self._reserved[name] = left
            else:
                self._reserved.pop(name, None)
        job.reserved = []

    # ------------------------------------------------------------------ batched writes

    async def _mark(self, job: _Job) -> int | None:
        """Commit "sending" for the job's row (in the next group commit)."""
        account_id = job.account.id
        assert account_id is not None

        async def write(uow: UnitOfWork) -> int | None:
            return await uow.outbox.mark_sending(
                job.id,
                worker=self.worker,
                account_id=account_id,
                now=self.clock.now(),
                lease=self.lease,
            )

        attempts: int | None = await self._writes.submit(write)
        return attempts

    async def _record(self, message: OutboxMessage) -> bool:
        """Commit the row's outcome (in the next group commit); False if the lease was lost."""

        async def write(uow: UnitOfWork) -> bool:
            return await uow.outbox.release(message, worker=self.worker)

        kept: bool = await self._writes.submit(write)
        return kept

    # ------------------------------------------------------------------ one attempt

    async def _attempt(self, job: _Job) -> None:
        # Wait until our slot is near, record "sending", then take the slot and call the
        # platform at once: the commit's variable latency must not sit between the paced
        # slot and the request (that bunches requests into 429s), and the "sending" window
        # a crash could leave behind stays a fraction of a second.
        if not await self._near_slot(job):
            return
        attempts = await self._mark(job)
        if attempts is None:
            self._tally.add("lost")
            return
        job.message.attempts, job.message.status = attempts, "sending"
        job.message.account_id = job.account.id
        if not await self.pacer.acquire(job.scopes, give_up_after=self.max_hold):
            wait = timedelta(seconds=self.pacer.wait_time(job.scopes))  # paused meanwhile
            await self._put_back(job, wait, "deferred", "paced", refund=True)
            return
        try:
            outcome = await self._call(job)
        except Unreachable as exc:
            await self._unreachable(job, exc)
        except RateLimited as exc:
            await self._rate_limited(job, exc)
        except TransientFailure as exc:
            await self._transient(job, str(exc))
        except Exception as exc:  # an adapter bug: retried like a transient failure, loudly
            log.exception("sender for %s raised unexpectedly", job.account.platform.value)
            await self._transient(job, f"{type(exc).__name__}: {exc}")
        else:
            # Recorded in the background: the sender moves on to its next message while
            # the outcome joins the next group commit (the pass waits for it to end).
            note = PAIR_SPACE_NOTE if outcome != "sent" else None
            tally = "shared" if outcome == "shared" else "sent"
            task = asyncio.create_task(self._finish(job, "sent", note, tally=tally))
            self._recording.add(task)
            task.add_done_callback(self._recorded)

    def _recorded(self, task: asyncio.Task[None]) -> None:
        self._recording.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("recording a delivery failed", exc_info=task.exception())
        self._progress.set()

    async def _near_slot(self, job: _Job) -> bool:
        """Sleep until the job's paced slot is near; False (row given back) when a scope
        is paused for longer than we hold rows in memory."""
        while (wait := self.pacer.wait_time(job.scopes)) > SLOT_MARGIN:
            if wait > self.max_hold:
                await self._put_back(job, timedelta(seconds=wait), "deferred", "paced")
                return False
            await self.pacer.sleep(wait - SLOT_MARGIN)
        return True

    async def _call(self, job: _Job) -> str:
        """Send the job's message; returns how it went out: "sent" (privately), "posted"
        (in the pair space, for both) or "shared" (the partner's post already did)."""
        sender = self.senders[job.account.platform]
        if isinstance(sender, PairSpaceSender) and job.pair_space is not None:
            partner = next(
                (a for a in job.partner_accounts if sender.shares_pair_space(job.account, a)),
                None,
            )
            if partner is not None:
                how = await self._via_pair_space(job, sender, partner, job.pair_space)
                if how is not None:
                    return how
        if isinstance(sender, ConfirmingSender):
            await sender.send_keyed(job.account, job.reply, key=job.message.key)
        else:
            await sender.send(job.account, job.reply)
        return "sent"

    async def _via_pair_space(
        self, job: _Job, sender: PairSpaceSender, partner: PlatformAccount, copy: PairSpaceCopy
    ) -> str | None:
        """Post in the pair space unless the partner's copy is settled already; None means
        send privately instead. The first of the pair's two rows to get here decides for
        both: remembered in memory for rows in our own lanes, read from the partner's row
        for those of other workers."""
        space = f"{job.message.key}|{min(job.message.person_id, partner.person_id)}"
        async with self._pair_space_locks.hold(space):
            if (space, True) in self._pair_space_choices:
                return "shared"
            if (space, False) in self._pair_space_choices:
                return None
            async with self.uow_factory() as uow:
                theirs = await uow.outbox.by_key(partner.person_id, job.message.key)
            if theirs is not None and (
                theirs.status in ("sent", "uncertain")
                or (theirs.status == "sending" and theirs.locked_by != self.worker)
            ):  # posted there by another worker, or they had (or are getting) their own
                return "shared" if theirs.last_error == PAIR_SPACE_NOTE else None
            try:
                await sender.send_to_pair_space(job.account, partner, copy.reply)
            except Unreachable as exc:
                log.info("no pair space for outbox message %s (%s): sent privately", job.id, exc)
                self._pair_space_choices.first_time((space, False))
                return None
            self._pair_space_choices.first_time((space, True))
        await self._cover(job, partner, copy)
        return "posted"

    async def _cover(self, job: _Job, partner: PlatformAccount, copy: PairSpaceCopy) -> None:
        """Record the partner's copy as delivered by the post (their row, if free, or a new
        finished row, so a later copy with this key is dropped). A row of theirs in our own
        lanes finds the post in ``_pair_space_choices`` when its turn comes."""
        now = self.clock.now()
        covered = OutboxMessage(
            person_id=partner.person_id,
            key=job.message.key,
            kind=job.message.kind,
            payload=reply_to_data(copy.reply),  # what they saw
            created_at=now,
            status="sent",
            sent_at=now,
            last_error=PAIR_SPACE_NOTE,
            account_id=partner.id,
        )

        async def write(uow: UnitOfWork) -> int | None:
            return await uow.outbox.cover(covered, worker=self.worker, now=now)

        if await self._writes.submit(write) is not None:
            self._tally.add("shared")

    async def _finish(
        self, job: _Job, status: str, error: str | None, *, tally: str | None = None
    ) -> None:
        message = job.message
        message.status, message.last_error = status, error
        if status == "sent":
            message.sent_at = self.clock.now()
        if not await self._record(message):
            log.warning("outbox message %s: lease lost before recording %s", job.id, status)
            self._tally.add("lost")
            return
        self._tally.add(tally or status)
        if status == "failed":
            log.warning(
                "outbox message %s for person %s failed: %s", job.id, message.person_id, error
            )

    async def _put_back(
        self, job: _Job, delay: timedelta, tally: str, reason: str, *, refund: bool = False
    ) -> None:
        """Release the row to be claimed again after ``delay``; ``refund``: the attempt
        did not count (a 429 is the platform's pace, not a failure of the message)."""
        message = job.message
        if refund:
            message.attempts = max(0, message.attempts - 1)
        message.status = "pending"
        message.next_attempt_at = self.clock.now() + delay
        message.last_error = reason
        await self._record(message)
        self._tally.add(tally)

    async def _rate_limited(self, job: _Job, exc: RateLimited) -> None:
        scope = _scope_named_by(job.scopes, exc.scope)
        self.pacer.pause(scope, exc.retry_after)
        log.info("429 on %s: pausing it for %.1fs", scope.name, exc.retry_after)
        self._tally.add("rate_limited")
        delay = timedelta(seconds=exc.retry_after)
        await self._put_back(job, delay, "deferred", str(exc), refund=True)
        await self._shed_paused()

    async def _shed_paused(self) -> None:
        """Give back queued rows whose scope is now paused beyond the hold limit, so they
        neither take the queue's room nor wait in memory past their lease."""
        for lane in self._lanes.values():
            waiting = [(job, self.pacer.wait_time(job.scopes)) for job in lane.jobs()]
            shed = [(job, wait) for job, wait in waiting if wait > self.max_hold]
            if not shed:
                continue
            gone = {id(job) for job, _ in shed}
            lane.keep_only(lambda job, gone=gone: id(job) not in gone)  # type: ignore[misc]
            for job, _ in shed:
                self._release_hold(job.id)
            await asyncio.gather(
                *(self._put_back(job, timedelta(seconds=w), "deferred", "paced") for job, w in shed)
            )

    async def _transient(self, job: _Job, error: str) -> None:
        if job.message.attempts >= self.retry.max_attempts:
            await self._finish(job, "failed", error)
            return
        delay = self.retry.delay(job.message.attempts, self.rng)
        await self._put_back(job, delay, "retried", error)

    async def _unreachable(self, job: _Job, exc: Unreachable) -> None:
        account = job.account
        account.reachable = False
        log.warning(
            "person %s is unreachable on %s (%s)",
            job.message.person_id,
            account.platform.value,
            exc,
        )
        self._unreserve(job)
        job.accounts = job.accounts[1:]
        async with self.uow_factory() as uow:
            await uow.accounts.save(account)
            job.message.status = "pending"
            job.message.last_error = f"unreachable on {account.platform.value}: {exc}"
            if job.accounts:  # keep the lease: the row goes straight to the next account
                await uow.outbox.release(job.message, worker=self.worker, keep_lease=True)
            await uow.commit()
        if job.accounts:
            self._tally.add("rerouted")
            await self._route(job)
        else:
            await self._nobody_to_send_to(job, job.message.last_error)

    async def _nobody_to_send_to(self, job: _Job, reason: str) -> None:
        """No account left: record it, and let the domain tell someone who can act."""
        message = job.message
        message.status, message.last_error = "unreachable", reason
        async with self.uow_factory() as uow:
            kept = await uow.outbox.release(message, worker=self.worker)
            queued = 0
            if kept and self.on_unreachable is not None:
                ctx = WorkContext(uow=uow, now=self.clock.now(), worker=self.worker)
                notices = await self.on_unreachable(ctx, message.person_id, message)
                queued = await queue_notices(
                    ctx, notices, namespace=f"unreachable:{message.key}", default_kind="unreachable"
                )
            await uow.commit()
        if not kept:
            self._tally.add("lost")
            return
        self._tally.add("unreachable")
        log.warning(
            "outbox message %s (%s) for person %s not delivered: %s; %d notice(s) queued instead",
            message.id,
            message.key,
            message.person_id,
            reason,
            queued,
        )

    # ------------------------------------------------------------------ crash recovery

    async def recover(self) -> DeliveryReport:
        """Settle rows a dead worker left "sending" (see the module docstring)."""
        before = self._tally.report()
        while True:
            async with self.uow_factory() as uow:
                stuck = await uow.outbox.stuck(
                    now=self.clock.now(), limit=self.batch, worker=self.worker, lease=self.lease
                )
                await uow.commit()
            if not stuck:
                break
            for message in stuck:
                await self._recover_one(message)
        after = self._tally.report()
        return DeliveryReport(
            *(getattr(after, f.name) - getattr(before, f.name) for f in fields(DeliveryReport))
        )

    async def _recover_one(self, message: OutboxMessage) -> None:
        async with self.uow_factory() as uow:
            accounts = await uow.accounts.of_person(message.person_id)
        account = next((a for a in accounts if a.id == message.account_id), None)
        sender = self.senders.get(account.platform) if account is not None else None
        verdict: bool | None = None
        if account is not None and isinstance(sender, ConfirmingSender):
            try:
                verdict = await sender.confirm_sent(account, message.key)
            except Exception:
                log.exception("confirm_sent failed for outbox message %s", message.id)
        job = _Job(message, reply_from_data(message.payload), [])
        if verdict is True:
            self._tally.add("confirmed")
            await self._finish(job, "sent", "confirmed after a worker died mid-send")
        elif verdict is False:
            self._tally.add("confirmed")
            await self._put_back(job, timedelta(0), "retried", "not delivered: worker died")
        else:
            log.warning(
                "outbox message %s (%s) for person %s: a worker died between sending and "
                "recording; the platform can't confirm, so it is assumed sent (not resent)",
                message.id,
                message.key,
                message.person_id,
            )
            await self._finish(job, "uncertain", "uncertain-assumed-sent: worker died mid-send")


def _scope_named_by(scopes: Sequence[Scope], named: str) -> Scope:
    """The pacing scope a 429 refers to: ours by name; an unscoped 429 pauses the widest;
    any other name is an adapter's own name for one conversation (a Slack channel, a
    Telegram chat), so only the conversation is paused — never the whole platform."""
    exact = next((scope for scope in scopes if scope.name == named), None)
    if exact is not None:
        return exact
    if not named:
        return scopes[0]
    conversations = [scope for scope in scopes if not scope.name.endswith(":new-dm")]
    return conversations[-1] if conversations else scopes[-1]
