"""Crash recovery: settling rows a dead worker left "sending" (see the package docstring
for why such a row is confirmed with the platform, not blindly sent again)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import fields
from datetime import timedelta

from core.clock import Clock
from core.delivery.contract import ConfirmingSender, DeliveryError, PairSpaceSender, Sender
from core.delivery.lanes import Job
from core.delivery.policy import DeliveryReport, Tally
from core.identity import Platform
from core.messages import pair_space_from_data, reply_from_data
from core.ports import OutboxMessage, UnitOfWorkFactory

log = logging.getLogger(__name__)

Finish = Callable[[Job, str, str], Awaitable[None]]
"""``(job, status, note)``: record the row's final status."""
PutBack = Callable[[Job, timedelta, str, str], Awaitable[None]]
"""``(job, delay, tally, reason)``: release the row to be claimed again after ``delay``."""


class Recovery:
    """Finds rows stuck in "sending" past their lease and settles each: sent when the
    sender confirms it, pending again when it denies it, "uncertain" (assumed sent,
    logged) when it can't tell. Outcomes are recorded through the worker's own
    ``finish`` and ``put_back``, so they count in its report."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        senders: Mapping[Platform, Sender],
        clock: Clock,
        *,
        worker: str,
        batch: int,
        lease: timedelta,
        tally: Callable[[], Tally],
        finish: Finish,
        put_back: PutBack,
    ) -> None:
        self._uow_factory = uow_factory
        self._senders = senders  # the worker's live mapping
        self._clock = clock
        self._worker = worker
        self._batch = batch
        self._lease = lease
        self._tally = tally  # the worker's tally of the current pass
        self._finish = finish
        self._put_back = put_back

    async def recover(self) -> DeliveryReport:
        before = self._tally().report()
        while True:
            async with self._uow_factory() as uow:
                stuck = await uow.outbox.stuck(
                    now=self._clock.now(), limit=self._batch, worker=self._worker, lease=self._lease
                )
                await uow.commit()
            if not stuck:
                break
            for message in stuck:
                await self._recover_one(message)
        after = self._tally().report()
        return DeliveryReport(
            *(getattr(after, f.name) - getattr(before, f.name) for f in fields(DeliveryReport))
        )

    async def _recover_one(self, message: OutboxMessage) -> None:
        async with self._uow_factory() as uow:
            accounts = await uow.accounts.of_person(message.person_id)
        account = next((a for a in accounts if a.id == message.account_id), None)
        sender = self._senders.get(account.platform) if account is not None else None
        reply = reply_from_data(message.payload)
        verdict: bool | None = None
        # It may have been posted in the pair space, where the sender's check doesn't look.
        shared = pair_space_from_data(message.payload) is not None
        confirmable = not (shared and isinstance(sender, PairSpaceSender))
        if account is not None and isinstance(sender, ConfirmingSender) and confirmable:
            # mark_sending set next_attempt_at to when the attempt began
            attempted_at = message.next_attempt_at or message.created_at
            try:
                verdict = await sender.confirm_sent(
                    account, message.key, reply, attempted_at=attempted_at
                )
            except DeliveryError as exc:
                log.warning(
                    "outbox message %s: the platform could not confirm it: %s", message.id, exc
                )
            except Exception:
                log.exception("confirm_sent failed for outbox message %s", message.id)
        job = Job(message, reply, [])
        if verdict is True:
            self._tally().add("confirmed")
            await self._finish(job, "sent", "confirmed after a worker died mid-send")
        elif verdict is False:
            self._tally().add("confirmed")
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
