"""The delivery worker: claims due outbox rows, paces them, sends them, records every
outcome (see the package docstring for the guarantees)."""

from __future__ import annotations

import asyncio
import functools
import logging
import math
import random
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from datetime import timedelta
from typing import cast

from core.clock import Clock
from core.correlation import correlated
from core.delivery.contract import (
    ConfirmingSender,
    ConversationOpener,
    MessengerFailed,
    PairSpaceSender,
    RateLimited,
    Sender,
    TransientFailure,
    Unreachable,
)
from core.delivery.lanes import GroupCommit, Held, Job, Lane, Reservations, scope_named_by
from core.delivery.pair_space import PAIR_SPACE_NOTE, PairSpaces
from core.delivery.policy import DeliveryReport, RetryPolicy, Tally
from core.delivery.recovery import Recovery
from core.dispatch import WorkContext, queue_notices
from core.identity import Platform
from core.messages import Notice, only_account_from_data, pair_space_from_data, reply_from_data
from core.metrics import NO_METRICS, Metrics
from core.pacing import Pacer, PlatformPacing, Scope
from core.ports import OutboxMessage, Reader, UnitOfWorkFactory

log = logging.getLogger(__name__)

FORGET_EVERY = 300.0  # seconds between sweeps of idle pacing state
SLOT_MARGIN = 0.1  # seconds before a paced slot that a row is marked "sending"
CLAIM_QUIET = 0.5  # seconds between claims while a claim comes back short
BACKLOG_QUIET = 5.0  # seconds between claims while every scope's backlog is full
MAX_HELD = 10_000  # claimed rows held in memory at most (queued or being sent)
# A messenger that failed for good sends again only after a restart: its rows wait (a
# try costs no platform call, only a claim)
FAILED_MESSENGER_WAIT = timedelta(minutes=5)

UnreachableHook = Callable[[WorkContext, int, OutboxMessage], Awaitable[Sequence[Notice]]]
"""``(ctx, person_id, message) -> notices``: the person can't be reached on any account;
whom to tell instead (e.g. their partner and the program coordinator)."""


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
        metrics: Metrics = NO_METRICS,
    ) -> None:
        self.uow_factory = uow_factory
        self.senders = senders  # live: the runner adds messengers after start-up
        self.clock = clock
        self.worker = worker
        self.pacer = pacer or Pacer()
        self._last_forget = self.pacer.monotonic()
        self.pacing = dict(pacing or {})  # a platform without rules is not paced by us
        self.senders_per_platform = senders_per_platform
        self.batch = batch
        self.lease = lease
        self.max_hold = max_hold
        self.retry = retry or RetryPolicy()
        self.on_unreachable = on_unreachable
        self.rng = rng or random.Random()
        self.metrics = metrics
        self._draining = False
        self._lanes: dict[Platform, Lane] = {}
        self._capabilities: dict[tuple[type, type], bool] = {}
        self._reserved = Reservations()  # senders that picked a message, per scope
        self._held = Held()  # rows in our lanes (queued or being sent)
        self._recording: set[asyncio.Task[None]] = set()  # outcomes being written
        self._progress = asyncio.Event()
        self._tally = Tally()
        self._pass = asyncio.Lock()
        self._writes = GroupCommit(uow_factory, worker=worker, lease=lease, now=clock.now)
        self._pair_spaces = PairSpaces(uow_factory, self._writes.submit, clock, worker=worker)
        self._recovery = Recovery(
            uow_factory,
            self.senders,
            clock,
            worker=worker,
            batch=batch,
            lease=lease,
            tally=lambda: self._tally,
            finish=self._finish,
            put_back=self._put_back,
        )

    # ------------------------------------------------------------------ the pass

    async def deliver(self) -> DeliveryReport:
        if self._draining:
            return DeliveryReport()
        async with self._pass:
            try:
                report = await self._deliver()
                self._forget_idle_pacing()
                return report
            except asyncio.CancelledError:
                await self._stop_lanes()  # shutting down: leases expire, nothing is lost
                raise

    async def drain(self) -> None:
        """Shutting down: claim nothing more, give back the rows still queued (due again
        at once, unleased, so another worker takes them now rather than after the lease),
        and return once the sends under way have finished and every outcome is written.
        The caller bounds the wait; what is cut short is left to the lease as before."""
        self._draining = True
        queued = [job for lane in self._lanes.values() for job in lane.jobs()]
        for lane in self._lanes.values():
            lane.keep_only(lambda job: False)
        for job in queued:
            job.queued = False
            self._held.release(job.id)
        await asyncio.gather(
            *(self._put_back(job, timedelta(0), "deferred", "shutting down") for job in queued)
        )
        self._progress.set()
        async with self._pass:  # a running pass ends once its lanes are idle
            pass

    async def recover(self) -> DeliveryReport:
        """Settle rows a dead worker left "sending" (see :mod:`core.delivery.recovery`)."""
        return await self._recovery.recover()

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

    async def _deliver(self) -> DeliveryReport:
        self._tally = Tally()
        await self.recover()
        threshold = max(1, self.batch // 4)  # claim in chunks, not one row per send
        loop = asyncio.get_running_loop()
        quiet_until = 0.0  # after a short claim, the table has nothing more for a while
        while True:
            room, idle = self._room(), self._idle()
            wanted = not self._draining and (room >= threshold or (room > 0 and idle))
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

    def _backlog(self, scope: Scope) -> tuple[int, int]:
        """Rows held for ``scope`` and how many it may have: a minute of its pace (well
        inside the lease), so one slow workspace can't fill memory or starve another."""
        allowed = max(4 * self.senders_per_platform, math.ceil(scope.rate.per_second * 60))
        return self._held.load(scope.name), allowed

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

    async def _claim(self, limit: int) -> list[Job]:
        async with self.uow_factory() as uow:
            messages = await uow.outbox.claim(
                now=self.clock.now(), limit=limit, worker=self.worker, lease=self.lease
            )
            spaces = {m.id: pair_space_from_data(m.payload) for m in messages}
            partners = {space.partner_id for space in spaces.values() if space is not None}
            everyone = await uow.accounts.of_people({m.person_id for m in messages} | partners)
            # read at delivery, so a zone changed after the notice was queued still counts
            readers = await uow.people.readers({m.person_id for m in messages} | partners)
            await uow.commit()
        accounts = {
            person_id: [
                a for a in found if a.reachable and a.gone_at is None and a.platform in self.senders
            ]
            for person_id, found in everyone.items()
        }
        # A row we still hold in memory whose lease ran out comes back to us: the claim
        # renewed its lease, and the copy in the lane is the one that will be sent.
        fresh = [m for m in messages if m.id not in self._held]
        jobs = []
        for m in fresh:
            reader = readers.get(m.person_id)
            zone, language = (reader.zone, reader.language) if reader else (None, None)
            reachable = accounts[m.person_id]
            if (only := only_account_from_data(m.payload)) is not None:
                reachable = [a for a in reachable if a.id == only]
            job = Job(m, reply_from_data(m.payload).read_in(zone, language), reachable)
            space = spaces[m.id]
            if space is not None and _languages_differ(readers, m.person_id, space.partner_id):
                space = None  # one post can't be in two languages: each gets their own
            if space is not None:  # one post both read; its zone is named
                space = replace(space, reply=space.reply.read_in(zone, language))
                job.pair_space, job.partner_accounts = space, accounts[space.partner_id]
            jobs.append(job)
        return jobs

    async def _route(self, job: Job) -> None:
        """Queue the job on the lane of its current account (or give up on the person)."""
        if not job.accounts:
            await self._nobody_to_send_to(job, "no reachable account")
            return
        if self._draining:
            await self._put_back(job, timedelta(0), "deferred", "shutting down")
            return
        account = job.account
        sender = self.senders[account.platform]
        pacing = self.pacing.get(account.platform) or PlatformPacing(account.platform)
        opener = cast(ConversationOpener, sender)
        opens = self._can(sender, ConversationOpener) and opener.opens_conversation(account)
        job.scopes = pacing.scopes(account, opens_conversation=opens)
        lane = self._lane(account.platform)
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
        self._held.hold(job.id, job.scopes[0].name)
        while len(lane.tasks) < min(lane.size, lane.load):
            task = asyncio.create_task(self._run_lane(lane))
            lane.tasks.add(task)
            task.add_done_callback(functools.partial(self._lane_task_done, lane))

    def _can(self, sender: Sender, capability: type) -> bool:
        """``isinstance(sender, capability)`` for a protocol of :mod:`core.delivery.contract`,
        answered once per messenger class (checking a protocol costs more than a send's
        bookkeeping)."""
        key = (type(sender), capability)
        found = self._capabilities.get(key)
        if found is None:
            found = self._capabilities[key] = isinstance(sender, capability)
        return found

    def _lane_task_done(self, lane: Lane, task: asyncio.Task[None]) -> None:
        lane.tasks.discard(task)
        self._progress.set()  # the pass may be waiting for the last sender to finish

    def _lane(self, platform: Platform) -> Lane:
        lane = self._lanes.get(platform)
        if lane is None:
            lane = self._lanes[platform] = Lane(platform, self.senders_per_platform)
        return lane

    def _wait_with_reservations(self, job: Job) -> float:
        """When the job's scopes free up, counting the senders already waiting in them."""
        return self.pacer.wait_time(job.scopes) + self._reserved.delay(job.scopes)

    async def _run_lane(self, lane: Lane) -> None:
        while lane.queues:
            job = lane.pick(self._wait_with_reservations, ready=SLOT_MARGIN)
            self._reserved.take(job)
            lane.active += 1
            try:
                with correlated(f"outbox-{job.id}"):
                    await self._attempt(job)
            except Exception:
                # A bug or the database: the lease expires and another pass retries.
                log.exception("delivering outbox message %s failed unexpectedly", job.id)
            finally:
                self._reserved.give_back(job)
                if not job.queued:  # sent, given back or finished: no longer ours to hold
                    self._held.release(job.id)
                lane.active -= 1
                self._progress.set()

    # ------------------------------------------------------------------ batched writes

    async def _mark(self, job: Job) -> int | None:
        """Commit "sending" for the job's row (in the next group commit)."""
        account_id = job.account.id
        assert account_id is not None
        return await self._writes.mark_sending(job.id, account_id)

    async def _record(self, message: OutboxMessage) -> bool:
        """Commit the row's outcome (in the next group commit); False if the lease was lost."""
        return await self._writes.release(message)

    # ------------------------------------------------------------------ one attempt

    async def _attempt(self, job: Job) -> None:
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
        except MessengerFailed as exc:  # not the message's fault: the attempt doesn't count
            await self._put_back(job, FAILED_MESSENGER_WAIT, "deferred", str(exc), refund=True)
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

    async def _near_slot(self, job: Job) -> bool:
        """Sleep until the job's paced slot is near; False (row given back) when a scope
        is paused for longer than we hold rows in memory."""
        waited = 0.0
        while (wait := self.pacer.wait_time(job.scopes)) > SLOT_MARGIN:
            if wait > self.max_hold:
                await self._put_back(job, timedelta(seconds=wait), "deferred", "paced")
                return False
            await self.pacer.sleep(wait - SLOT_MARGIN)
            waited += wait - SLOT_MARGIN
        if waited:
            self.metrics.pacer_waited(job.account.platform.value, waited)
        return True

    async def _call(self, job: Job) -> str:
        """Send the job's message; returns how it went out: "sent" (privately), "posted"
        (in the pair space, for both) or "shared" (the partner's post already did)."""
        sender = self.senders[job.account.platform]
        if job.pair_space is not None and isinstance(sender, PairSpaceSender):
            partner = next(
                (a for a in job.partner_accounts if sender.shares_pair_space(job.account, a)),
                None,
            )
            if partner is not None:
                how = await self._pair_spaces.post(job, sender, partner, job.pair_space)
                if how == "posted" and await self._pair_spaces.cover(job, partner, job.pair_space):
                    self._tally.add("shared")
                if how is not None:
                    return how
        if self._can(sender, ConfirmingSender):
            confirming = cast(ConfirmingSender, sender)
            await confirming.send_keyed(job.account, job.reply, key=job.message.key)
        else:
            await sender.send(job.account, job.reply)
        return "sent"

    async def _finish(
        self, job: Job, status: str, error: str | None, *, tally: str | None = None
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
        platform = job.account.platform.value if job.accounts else "none"
        if status == "sent":
            self.metrics.delivery(message.kind, platform, "sent")
            if message.sent_at is not None:
                due = message.created_at
                self.metrics.delivery_latency(platform, (message.sent_at - due).total_seconds())
        elif status == "failed":
            self.metrics.delivery(message.kind, platform, "given_up")
        if status == "failed":
            log.warning(
                "outbox message %s for person %s failed: %s", job.id, message.person_id, error
            )

    async def _put_back(
        self, job: Job, delay: timedelta, tally: str, reason: str, *, refund: bool = False
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

    async def _rate_limited(self, job: Job, exc: RateLimited) -> None:
        scope = scope_named_by(job.scopes, exc.scope)
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
                self._held.release(job.id)
            await asyncio.gather(
                *(self._put_back(job, timedelta(seconds=w), "deferred", "paced") for job, w in shed)
            )

    async def _transient(self, job: Job, error: str) -> None:
        if job.message.attempts >= self.retry.max_attempts:
            await self._finish(job, "failed", error)
            return
        delay = self.retry.delay(job.message.attempts, self.rng)
        messenger = job.account.platform.value if job.accounts else "none"
        self.metrics.delivery(job.message.kind, messenger, "failed")
        await self._put_back(job, delay, "retried", error)

    async def _unreachable(self, job: Job, exc: Unreachable) -> None:
        account = job.account
        account.reachable = False
        log.warning(
            "person %s is unreachable on %s (%s)",
            job.message.person_id,
            account.platform.value,
            exc,
        )
        self._reserved.give_back(job)
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

    async def _nobody_to_send_to(self, job: Job, reason: str) -> None:
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
        messenger = job.account.platform.value if job.accounts else "none"
        self.metrics.delivery(message.kind, messenger, "given_up")
        log.warning(
            "outbox message %s (%s) for person %s not delivered: %s; %d notice(s) queued instead",
            message.id,
            message.key,
            message.person_id,
            reason,
            queued,
        )


def _languages_differ(readers: Mapping[int, Reader], person_id: int, partner_id: int) -> bool:
    mine, theirs = readers.get(person_id), readers.get(partner_id)
    return mine is not None and theirs is not None and mine.language != theirs.language
