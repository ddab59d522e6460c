"""Periodic clean-up: finished outbox rows, old due items, abandoned dialogs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from core.clock import Clock
from core.dispatch import WorkContext, queue_notices
from core.ports import UnitOfWorkFactory
from core.privacy import PrivacyReport, PrivacyRetention, purge_expired
from core.services import Work
from core.services.pairing import expire_requests
from core.services.pauses import resume_due
from core.settings import CoreSettings


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
    # Who did what on the dashboard: a year and a bit, long enough to answer "who changed
    # this setting last spring", not forever. Expired sessions and links go on sign-in.
    web_audit: timedelta = timedelta(days=400)


DEFAULT_PRIVACY = PrivacyRetention()
DEFAULT_SETTINGS = CoreSettings()


@dataclass(frozen=True, slots=True)
class HousekeepingReport:
    outbox: int = 0
    due_items: int = 0
    dialogs: int = 0
    web_audit: int = 0
    privacy: PrivacyReport = field(default_factory=PrivacyReport)


async def housekeep(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    retention: Retention = Retention(),
    privacy: PrivacyRetention = DEFAULT_PRIVACY,
    settings: CoreSettings = DEFAULT_SETTINGS,
) -> HousekeepingReport:
    """The purges: finished outbox rows, old due items, abandoned dialogs, and what the
    privacy retention says (ended pairs' content, delivered messages' text, the people of
    workspaces that removed the app)."""
    now = clock.now()
    async with uow_factory() as uow:
        purged = await purge_expired(Work(uow, now, settings), privacy)
        report = HousekeepingReport(
            outbox=await uow.outbox.purge(before=now - retention.outbox),
            due_items=await uow.due.purge(before=now - retention.due_items),
            dialogs=await uow.dialogs.expire(before=now - retention.dialogs),
            web_audit=await uow.web.purge_audit(before=now - retention.web_audit),
            privacy=purged,
        )
        await uow.commit()
    return report


async def mentoring_upkeep(
    uow_factory: UnitOfWorkFactory, clock: Clock, settings: CoreSettings, *, worker: str = ""
) -> int:
    """Expire unanswered mentoring requests (passing them on) and lift ended pauses.

    One unit of work of its own, like a dispatch pass: the changes and their notices are
    committed together. Runs as nobody: there is no actor, and none is faked. Returns how
    many notices were queued.
    """
    async with uow_factory() as uow:
        work = Work(uow, clock.now(), settings)
        notices = [*await expire_requests(work), *await resume_due(work)]
        queued = await queue_notices(
            WorkContext(uow, work.now, worker), notices, namespace="upkeep", default_kind="notice"
        )
        await uow.commit()
    return queued


async def next_wakeup(uow_factory: UnitOfWorkFactory, after: datetime) -> datetime | None:
    """The earliest moment later than ``after`` when time-driven work falls due: a due
    item, the end of a pause, the expiry of a request. A clock that jumps (a scripted
    run's ``:advance``) stops at each of these, so everything happens at its own time
    and in order: a pause lifts before the check-in that follows it opens."""
    async with uow_factory() as uow:
        moments = [
            await uow.due.next_due_at(after=after),
            await uow.pairs.next_change_after(after),
        ]
    return min((moment for moment in moments if moment is not None), default=None)
