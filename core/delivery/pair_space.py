"""One post in the partners' shared conversation instead of a private copy each.

A notice with a :class:`~core.messages.PairSpaceCopy` (an intro, a shared reminder) goes,
where the messenger offers it (:class:`~core.delivery.contract.PairSpaceSender`), into
the partners' shared conversation once. The partner's row with the same key is then
recorded as delivered (or inserted so, if it isn't queued yet, so a later copy is
dropped). If the partner already had a private copy, or the shared conversation can't be
used, each gets the message privately, as usual.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from core.clock import Clock
from core.delivery.contract import PairSpaceSender, Unreachable
from core.delivery.lanes import Job
from core.identity import PlatformAccount
from core.memory import KeyedLocks, RecentKeys
from core.messages import PairSpaceCopy, reply_to_data
from core.ports import OutboxMessage, UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

PAIR_SPACE_NOTE = "posted in the pair space"  # last_error of a row delivered that way

Submit = Callable[[Callable[[UnitOfWork], Awaitable[Any]]], Awaitable[Any]]


class PairSpaces:
    """Decides, once per pair and message, whether it went to their pair space."""

    def __init__(
        self, uow_factory: UnitOfWorkFactory, submit: Submit, clock: Clock, *, worker: str
    ) -> None:
        self._uow_factory = uow_factory
        self._submit = submit  # a write joining the worker's next group commit
        self._clock = clock
        self._worker = worker
        self._locks: KeyedLocks[str] = KeyedLocks()
        # (a pair's message, whether it went to their pair space): decided by its first row
        self._choices: RecentKeys[tuple[str, bool]] = RecentKeys(capacity=10_000)

    async def post(
        self, job: Job, sender: PairSpaceSender, partner: PlatformAccount, copy: PairSpaceCopy
    ) -> str | None:
        """Post in the pair space unless the partner's copy is settled already; None means
        send privately instead, "shared" that the partner's post already delivered it,
        "posted" that this row's post did (for both). The first of the pair's two rows to
        get here decides for both: remembered in memory for rows in our own lanes, read
        from the partner's row for those of other workers."""
        space = f"{job.message.key}|{min(job.message.person_id, partner.person_id)}"
        async with self._locks.hold(space):
            if (space, True) in self._choices:
                return "shared"
            if (space, False) in self._choices:
                return None
            async with self._uow_factory() as uow:
                theirs = await uow.outbox.by_key(partner.person_id, job.message.key)
            if theirs is not None and (
                theirs.status in ("sent", "uncertain")
                or (theirs.status == "sending" and theirs.locked_by != self._worker)
            ):  # posted there by another worker, or they had (or are getting) their own
                return "shared" if theirs.last_error == PAIR_SPACE_NOTE else None
            try:
                await sender.send_to_pair_space(job.account, partner, copy.reply)
            except Unreachable as exc:
                log.info("no pair space for outbox message %s (%s): sent privately", job.id, exc)
                self._choices.first_time((space, False))
                return None
            self._choices.first_time((space, True))
        return "posted"

    async def cover(self, job: Job, partner: PlatformAccount, copy: PairSpaceCopy) -> bool:
        """Record the partner's copy as delivered by the post (their row, if free, or a new
        finished row, so a later copy with this key is dropped); True if a row was covered.
        A row of theirs in our own lanes finds the post in memory when its turn comes."""
        now = self._clock.now()
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
            return await uow.outbox.cover(covered, worker=self._worker, now=now)

        return await self._submit(write) is not None
