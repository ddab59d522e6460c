"""The composition root: the one place that builds engines, the hub and the adapters."""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, TypeVar, cast

from sqlalchemy.ext.asyncio import AsyncEngine

from bots.config import Config
from bots.messengers import build_pacing
from core import nudges
from core.clock import Clock, SystemClock
from core.commands import build_dialogs, build_registry, coordinator_guard
from core.delivery import DeliveryReport, DeliveryWorker, Sender, post_to_space
from core.dispatch import DigestHook, DispatchReport, DueHandler, dispatch_due, run_weekly_digest
from core.housekeeping import HousekeepingReport, housekeep, mentoring_upkeep
from core.hub import Hub
from core.identity import Platform
from core.messages import SpacePost
from core.pacing import Pacer
from core.ports import UnitOfWork
from storage.db import create_engine, session_factory
from storage.uow import SqlUnitOfWork

T = TypeVar("T")
log = logging.getLogger(__name__)


@dataclass
class Mentorhub:
    config: Config
    engine: AsyncEngine
    hub: Hub
    clock: Clock
    senders: dict[Platform, Sender] = field(default_factory=dict)
    worker_id: str = field(default_factory=lambda: new_worker_id())
    # What to do when a due item of each kind comes due; the domain registers its kinds.
    due_handlers: dict[str, DueHandler] = field(default_factory=dict)
    digest_hook: DigestHook | None = None  # the weekly coordinator digest, from the domain
    # The one pacer of the process: the outbox and the messengers' replies share it.
    pacer: Pacer = field(default_factory=Pacer)
    delivery: DeliveryWorker = field(init=False)  # one pass at a time (it has its own lock)
    _working: set[asyncio.Task[Any]] = field(default_factory=set)
    _stopping: bool = False

    def __post_init__(self) -> None:
        settings = self.config.scheduler
        self.delivery = DeliveryWorker(
            self.hub.uow_factory,
            self.senders,
            self.clock,
            worker=self.worker_id,
            pacer=self.pacer,
            pacing=build_pacing(self.config),
            senders_per_platform=settings.senders_per_platform,
            lease=timedelta(seconds=settings.lease_seconds),
            on_unreachable=nudges.on_unreachable,
        )
        self.hub.space_poster = self.post_to_space

    async def post_to_space(self, post: SpacePost) -> bool:
        """Through whichever running messenger serves the space's platform."""
        return await post_to_space(self.senders, post)

    def uow(self) -> UnitOfWork:
        return self.hub.uow_factory()

    async def deliver(self) -> DeliveryReport:
        """Send what the outbox holds (the delivery job; also after each console line)."""
        return await self._tracked(self.delivery.deliver, DeliveryReport())

    async def dispatch(self) -> DispatchReport:
        """Act on due items (the poller job)."""
        settings = self.config.scheduler
        return await self._tracked(
            lambda: dispatch_due(
                self.hub.uow_factory,
                self.clock,
                self.due_handlers,
                worker=self.worker_id,
                batch=settings.batch_size,
                lease=timedelta(seconds=settings.lease_seconds),
            ),
            DispatchReport(),
        )

    async def housekeep(self) -> HousekeepingReport:
        return await self._tracked(
            lambda: housekeep(self.hub.uow_factory, self.clock), HousekeepingReport()
        )

    async def upkeep(self) -> None:
        """Mentoring upkeep: expire unanswered requests, lift ended pauses."""
        await self._tracked(lambda: self.hub.system(mentoring_upkeep), None)

    async def weekly_digest(self) -> int:
        return await self._tracked(
            lambda: run_weekly_digest(
                self.hub.uow_factory, self.clock, self.digest_hook, worker=self.worker_id
            ),
            0,
        )

    async def _tracked(self, work: Callable[[], Awaitable[T]], stopped: T) -> T:
        """Run background work so that stop_background() can end it before the engine
        goes away. Stopped work returns ``stopped``: whatever it had claimed is leased,
        and the leases expire for the next process to redo."""
        task = asyncio.current_task()
        if self._stopping or task is None:
            return stopped
        self._working.add(task)
        try:
            return await work()
        except asyncio.CancelledError:
            if not self._stopping:
                raise
            log.info("background work stopped at shutdown")
            return stopped
        finally:
            self._working.discard(task)

    async def stop_background(self) -> None:
        """Stop scheduled passes still running (the scheduler's jobs, a delivery)."""
        self._stopping = True
        running = [task for task in self._working if task is not asyncio.current_task()]
        for task in running:
            task.cancel()
        if running:
            await asyncio.wait(running, timeout=5)

    async def close(self) -> None:
        await self.stop_background()
        await self.engine.dispose()


def new_worker_id() -> str:
    """Unique per process: leases name their holder, so a restarted process on the same
    host never mistakes its predecessor's leases for its own."""
    return f"{socket.gethostname()[:48]}:{os.getpid()}:{secrets.token_hex(3)}"


def build_due_handlers() -> dict[str, DueHandler]:
    """Handlers by due-item kind: the mentoring domain's nudges (core/nudges.py)."""
    return dict(nudges.due_handlers())


def build(
    config: Config, *, clock: Clock | None = None, engine: AsyncEngine | None = None
) -> Mentorhub:
    engine = engine or create_engine(config.database.url)
    sessions = session_factory(engine)
    write_lock = asyncio.Lock() if engine.dialect.name == "sqlite" else None
    clock = clock or SystemClock()
    registry = build_registry()
    hub = Hub(
        registry=registry,
        dialogs=build_dialogs(registry),
        uow_factory=lambda: cast(UnitOfWork, SqlUnitOfWork(sessions, write_lock=write_lock)),
        clock=clock,
        settings=config.core_settings(),
        coordinator_guard=coordinator_guard,
    )
    return Mentorhub(
        config=config,
        engine=engine,
        hub=hub,
        clock=clock,
        due_handlers=build_due_handlers(),
        digest_hook=nudges.weekly_digest,
    )
