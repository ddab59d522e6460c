"""Acting on what is due: claim due items, let the handler of each kind decide, queue the
resulting notices and finish the items — the notices and the finishing in one transaction.

The flow of one pass (:func:`dispatch_due`):

1. **Claim** a batch with a lease (one short transaction, committed). Catch-up coalescing
   happens here: of several overdue periods of one (subject, kind, person) only the
   latest is claimed; the earlier ones are recorded as missed.
2. **Settle** the batch in one transaction: re-assert the lease (items taken back by an
   agreement change or by another worker after our lease expired are skipped), run each
   item's handler, write its notices to the outbox (idempotent by recipient and key) and
   mark the item done / missed / deferred. Commit. A crash anywhere before the commit
   leaves the items claimed; the lease expires; another pass claims them again and, since
   nothing of the first attempt was kept, acts exactly once.
3. If a handler raises, the batch is rolled back and settled again one item per
   transaction, so one bad item does not hold up the others. The failing item stays
   claimed and is retried when its lease expires; after ``max_attempts`` claims it is
   recorded as failed and logged.

A handler gets a :class:`WorkContext` (the open unit of work and "now") and the item, and
returns what to do:

- a list of :class:`~core.messages.Notice` (possibly empty): done;
- :class:`Missed`: the moment has passed (a check-in period that ended while we were
  down is recorded, not nudged at midnight);
- :class:`Defer`: not yet (quiet hours, paused); due again at ``until``.

Handlers must not reschedule the item they are handling (return :class:`Defer`); they may
schedule or cancel other items through ``ctx.uow.due`` in the same transaction.

How the mentoring domain plugs in
---------------------------------
- **Scheduling.** When an agreement is confirmed (or changed), compute every due item of
  the pair in the same transaction and ``await uow.due.schedule(items, now=now)``: one
  :class:`~core.ports.DueItem` per (subject, kind, period, recipient), subject
  ``f"pair:{pair.id}"``, kinds ``checkin_open`` / ``meeting_reminder`` /
  ``checkin_reminder`` / ``checkin_close`` (period = check-in number), ``midpoint`` and
  ``agreement_end`` (period 0); see core/services/schedule.py. Each ``due_at`` comes
  from :func:`core.scheduling.local_occurrence` in the recipient's zone with their quiet
  hours and ``jitter_key=f"{subject}:{kind}:{period}:{person_id}"``. Scheduling the whole
  list again after a change moves what changed, revives cancelled items and never resends
  a finished period. (Request expiry and pause ends are upkeep, not due items.)
- **Pause / end / leave.** ``await uow.due.cancel(subject, kinds, from_period, now=now)``
  in the same transaction (resume = schedule again).
- **Handlers.** ``core.nudges.due_handlers`` maps each kind to its handler; wrap one in
  :func:`respect_quiet_hours` where the recipient's quiet hours apply (a pause cancels the
  pair's items in the same transaction, so no wrapper is needed for it). A check-in
  handler returns :class:`Missed` when its period is over; escalation counts missed
  periods from the domain's own check-in records.
- **Digest.** Set ``Mentorhub.digest_hook`` to a :data:`DigestHook` returning the
  coordinators' notices; it runs weekly (Monday 07:00 UTC), once per ISO week.
- **Unreachable people.** Set ``Mentorhub.delivery.on_unreachable`` (see
  :data:`core.delivery.UnreachableHook`) to notices for the partner and coordinator.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta

from core.clock import Clock
from core.messages import Notice, notice_payload
from core.metrics import NO_METRICS, Metrics
from core.ports import (
    DueItem,
    DueStatus,
    OutboxMessage,
    ReadFactory,
    UnitOfWork,
    UnitOfWorkFactory,
)
from core.scheduling import next_allowed

log = logging.getLogger(__name__)

__all__ = [
    "Defer",
    "DispatchReport",
    "DueHandler",
    "Missed",
    "Verdict",
    "WorkContext",
    "dispatch_due",
    "queue_notices",
    "respect_quiet_hours",
    "run_weekly_digest",
]

DEFAULT_LEASE = timedelta(minutes=2)
MAX_ATTEMPTS = 5


@dataclass(frozen=True, slots=True)
class WorkContext:
    """What scheduled work gets: the open transaction, the time it runs at, who runs it."""

    uow: UnitOfWork
    now: datetime
    worker: str = ""


@dataclass(frozen=True, slots=True)
class Missed:
    """The item's moment has passed; record it as missed and send nothing."""

    reason: str


@dataclass(frozen=True, slots=True)
class Defer:
    """Not now: the item is due again at ``until``."""

    until: datetime
    reason: str = ""


Verdict = Sequence[Notice] | Missed | Defer
DueHandler = Callable[[WorkContext, DueItem], Awaitable[Verdict]]
DigestHook = Callable[[WorkContext], Awaitable[Sequence[Notice]]]


@dataclass(frozen=True, slots=True)
class DispatchReport:
    claimed: int = 0
    done: int = 0
    missed: int = 0
    deferred: int = 0
    failed: int = 0
    notices: int = 0
    errors: int = 0  # handler raised: retried when the lease expires
    lost: int = 0  # taken back (rescheduled, cancelled or re-claimed) before we settled

    def __add__(self, other: DispatchReport) -> DispatchReport:
        return DispatchReport(
            *(getattr(self, f.name) + getattr(other, f.name) for f in fields(DispatchReport))
        )


class _HandlerFailed(Exception):
    def __init__(self, item: DueItem) -> None:
        super().__init__(f"handler for {item.key} (item {item.id}) failed")
        self.item = item


@dataclass(slots=True)
class _Settlement:
    done: list[int] = field(default_factory=list)
    missed: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    messages: list[OutboxMessage] = field(default_factory=list)
    deferred: int = 0


async def dispatch_due(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    handlers: Mapping[str, DueHandler],
    *,
    worker: str,
    batch: int = 500,
    lease: timedelta = DEFAULT_LEASE,
    max_batches: int = 20,
    max_attempts: int = MAX_ATTEMPTS,
    metrics: Metrics = NO_METRICS,
) -> DispatchReport:
    """Act on everything due now, ``batch`` items at a time (at most ``max_batches``
    batches per call, so one poll never runs unbounded after a long downtime)."""
    report = DispatchReport()
    for _ in range(max_batches):
        async with uow_factory() as uow:
            items = await uow.due.claim(now=clock.now(), limit=batch, worker=worker, lease=lease)
            await uow.commit()
        if not items:
            break
        for kind, count in Counter(item.kind for item in items).items():
            metrics.nudges_claimed(kind, count)
        report += await _settle_batch(
            uow_factory, clock, handlers, items, worker, lease, max_attempts
        )
        if len(items) < batch:
            break
    return report


async def _settle_batch(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    handlers: Mapping[str, DueHandler],
    items: list[DueItem],
    worker: str,
    lease: timedelta,
    max_attempts: int,
) -> DispatchReport:
    settle = _Settler(uow_factory, clock, handlers, worker, lease, max_attempts)
    try:
        return await settle(items)
    except _HandlerFailed:
        pass  # rolled back; now one transaction per item so the others still go out
    report = DispatchReport()
    for item in items:
        try:
            report += await settle([item])
        except _HandlerFailed:
            log.exception("due item %s (%s) failed; retried after its lease", item.id, item.key)
            report += DispatchReport(claimed=1, errors=1)
    return report


@dataclass(slots=True)
class _Settler:
    uow_factory: UnitOfWorkFactory
    clock: Clock
    handlers: Mapping[str, DueHandler]
    worker: str
    lease: timedelta
    max_attempts: int

    async def __call__(self, items: list[DueItem]) -> DispatchReport:
        now = self.clock.now()
        async with self.uow_factory() as uow:
            ids = [item.id for item in items if item.id is not None]
            held = set(await uow.due.hold(ids, now=now, worker=self.worker, lease=self.lease))
            ctx = WorkContext(uow=uow, now=now, worker=self.worker)
            outcome = _Settlement()
            for item in items:
                if item.id in held:
                    await self._settle_one(ctx, item, outcome)
            queued = await uow.outbox.add_many(outcome.messages)  # one statement per batch
            await uow.due.complete(outcome.done, DueStatus.DONE, now=now, worker=self.worker)
            await uow.due.complete(outcome.missed, DueStatus.MISSED, now=now, worker=self.worker)
            await uow.due.complete(outcome.failed, DueStatus.FAILED, now=now, worker=self.worker)
            await uow.commit()
        return DispatchReport(
            claimed=len(items),
            done=len(outcome.done),
            missed=len(outcome.missed),
            deferred=outcome.deferred,
            failed=len(outcome.failed),
            notices=queued,
            lost=len(items) - len(held),
        )

    async def _settle_one(self, ctx: WorkContext, item: DueItem, outcome: _Settlement) -> None:
        assert item.id is not None
        handler = self.handlers.get(item.kind)
        if item.attempts > self.max_attempts:
            log.error(
                "due item %s (%s) gave up after %s attempts", item.id, item.key, item.attempts - 1
            )
            outcome.failed.append(item.id)
            return
        if handler is None:
            log.error("no handler for due items of kind %r (item %s)", item.kind, item.id)
            raise _HandlerFailed(item)  # a rolling deploy may bring the handler: retry later
        try:
            verdict = await handler(ctx, item)
        except Exception as exc:
            raise _HandlerFailed(item) from exc
        if isinstance(verdict, Missed):
            log.info("due item %s (%s) missed: %s", item.id, item.key, verdict.reason)
            outcome.missed.append(item.id)
        elif isinstance(verdict, Defer):
            await ctx.uow.due.defer(item.id, verdict.until, now=ctx.now, worker=self.worker)
            outcome.deferred += 1
        else:
            outcome.messages.extend(
                outbox_messages(verdict, namespace=item.key, default_kind=item.kind, now=ctx.now)
            )
            outcome.done.append(item.id)


def outbox_messages(
    notices: Sequence[Notice], *, namespace: str, default_kind: str, now: datetime
) -> list[OutboxMessage]:
    """Outbox rows for notices, keyed under ``namespace``.

    A notice's key is placed under the namespace (the due item's ``subject:kind:period``),
    so two items can never collide and a retried pass finds its own earlier rows: a
    notice keyed ``""`` or exactly the namespace gets the namespace itself.
    """
    return [
        OutboxMessage(
            person_id=notice.person_id,
            key=(namespace if notice.key in ("", namespace) else f"{namespace}/{notice.key}")[:160],
            kind=default_kind if notice.kind == "notice" else notice.kind,
            payload=notice_payload(notice),
            created_at=now,
            next_attempt_at=now,
        )
        for notice in notices
    ]


async def queue_notices(
    ctx: WorkContext, notices: Sequence[Notice], *, namespace: str, default_kind: str
) -> int:
    """Write notices to the outbox under ``namespace``; returns how many were new."""
    messages = outbox_messages(notices, namespace=namespace, default_kind=default_kind, now=ctx.now)
    return await ctx.uow.outbox.add_many(messages)


def respect_quiet_hours(handler: DueHandler) -> DueHandler:
    """Wrap a handler: inside the recipient's quiet hours (e.g. catching up after a
    downtime at 3 a.m. local), defer to the end of them instead of acting now."""

    async def guarded(ctx: WorkContext, item: DueItem) -> Verdict:
        person = await ctx.uow.people.get(item.person_id)
        if person is not None:
            allowed = next_allowed(
                ctx.now,
                person.timezone,
                quiet_start=person.quiet_start,
                quiet_end=person.quiet_end,
            )
            if allowed > ctx.now:
                return Defer(allowed, "quiet hours")
        return await handler(ctx, item)

    return guarded


_NO_LANE = contextlib.nullcontext()


def digest_week(moment: datetime) -> str:
    year, week, _ = moment.isocalendar()
    return f"{year}-W{week:02d}"


async def run_weekly_digest(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    hook: DigestHook | None,
    *,
    worker: str = "",
    read_factory: ReadFactory | None = None,
    long_reads: asyncio.Semaphore | None = None,
) -> int:
    """Run the domain's weekly digest hook and queue what it returns, keyed by ISO week,
    so several workers firing the same cron (or a rerun after a crash) send it once.

    The hook reads whole programs: it runs in a read-only unit of work (``read_factory``),
    one long read at a time (``long_reads``, shared with status and export), so only the
    short write that queues its notices waits for SQLite's write lock."""
    if hook is None:
        return 0
    now = clock.now()
    async with long_reads or _NO_LANE, (read_factory or uow_factory)() as reading:
        notices = await hook(WorkContext(uow=reading, now=now, worker=worker))
    async with uow_factory() as uow:
        ctx = WorkContext(uow=uow, now=now, worker=worker)
        queued = await queue_notices(
            ctx, notices, namespace=f"digest:{digest_week(now)}", default_kind="digest"
        )
        await uow.commit()
    return queued
