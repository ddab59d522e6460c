"""Periodic clean-up: finished outbox rows, old due items, abandoned dialogs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from core.clock import Clock
from core.commands.lifecycle import resume_due
from core.commands.pairing import expire_requests
from core.context import Context
from core.ports import UnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class Retention:
    """How long things are kept.

    Finished due items are kept long: they are what makes recomputing a schedule safe
    (a done period is never revived), so keep them longer than any agreement is
    rescheduled backwards. Sent outbox rows only guard against resending the same key.
    """

    outbox: timedelta = timedelta(days=30)
    due_items: timedelta = timedelta(days=400)
    dialogs: timedelta = timedelta(days=14)


@dataclass(frozen=True, slots=True)
class HousekeepingReport:
    outbox: int = 0
    due_items: int = 0
    dialogs: int = 0


async def housekeep(
    uow_factory: UnitOfWorkFactory, clock: Clock, retention: Retention = Retention()
) -> HousekeepingReport:
    now = clock.now()
    async with uow_factory() as uow:
        report = HousekeepingReport(
            outbox=await uow.outbox.purge(before=now - retention.outbox),
            due_items=await uow.due.purge(before=now - retention.due_items),
            dialogs=await uow.dialogs.expire(before=now - retention.dialogs),
        )
        await uow.commit()
    return report


async def mentoring_upkeep(ctx: Context) -> None:
    """Expire unanswered mentoring requests (passing them on) and lift ended pauses.

    Runs as a hub system task, so its notices reach the outbox in the same transaction.
    """
    await expire_requests(ctx)
    await resume_due(ctx)
