"""The composition root: the one place that builds engines, the hub and the adapters."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import secrets
import socket
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar, cast

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncEngine

from bots.config import Config
from bots.messengers import pacing_rules
from bots.metrics import PrometheusMetrics
from bots.receiving import ReceiverLease
from bots.redaction import SecretRedactor, install_redaction
from core import nudges
from core.clock import Clock, ManualClock, SystemClock
from core.commands import build_dialogs, build_registry, coordinator_guard
from core.dashboard.service import Dashboard
from core.delivery import DeliveryReport, DeliveryWorker, Messenger, post_to_space
from core.dispatch import DigestHook, DispatchReport, DueHandler, dispatch_due, run_weekly_digest
from core.housekeeping import HousekeepingReport, housekeep, mentoring_upkeep, next_wakeup
from core.hub import Hub
from core.identity import Platform
from core.messages import SpacePost
from core.messengers import MessengerDeps, MessengerKind, Secret, Terminal
from core.pacing import Pacer
from core.ports import ReadFactory, UnitOfWork, UnitOfWorkFactory
from core.settings import CoreSettings
from storage.db import checkpoint, create_engine, session_factory
from storage.pacing import PostgresSharedPacing
from storage.uow import SqlUnitOfWork

T = TypeVar("T")
log = logging.getLogger(__name__)

# The weekly coordinator digest goes out on Mondays at 07:00 UTC: the scheduler's cron, and
# a moment a manual clock stops at when it passes it.
DIGEST_CRON_DAY, DIGEST_WEEKDAY, DIGEST_HOUR = "mon", 0, 7
# Dispatch passes at one moment, at most: each claims a batch, and a handler's new items
# due at once are claimed by the next pass.
_DISPATCH_PASSES = 20


def next_digest_at(after: datetime) -> datetime:
    """The first weekly-digest moment later than ``after``."""
    moment = after.astimezone(UTC).replace(hour=DIGEST_HOUR, minute=0, second=0, microsecond=0)
    moment += timedelta(days=(DIGEST_WEEKDAY - moment.weekday()) % 7)
    return moment if moment > after else moment + timedelta(days=7)


class Outlets(Mapping[Platform, Messenger]):
    """The messengers of this process by platform: where the delivery worker sends (it
    sees a read-only mapping) and where the hub posts in spaces. :func:`build` fills it
    right after creating the hub: the one cycle in the object graph (a messenger needs the
    hub to receive; the hub needs the messengers to post) is closed there and nowhere
    else. Tests that build an app without messengers add their own (``replace=True`` for
    a restarted one)."""

    def __init__(self) -> None:
        self._by_platform: dict[Platform, Messenger] = {}

    def add(self, messenger: Messenger, *, replace: bool = False) -> None:
        if messenger.platform in self._by_platform and not replace:
            raise ValueError(f"two messengers for {messenger.platform.value}")
        self._by_platform[messenger.platform] = messenger

    def __getitem__(self, platform: Platform) -> Messenger:
        return self._by_platform[platform]

    def __iter__(self) -> Iterator[Platform]:
        return iter(self._by_platform)

    def __len__(self) -> int:
        return len(self._by_platform)

    def running(self) -> list[Messenger]:
        return list(self._by_platform.values())

    async def post_to_space(self, post: SpacePost) -> bool:
        """Through whichever messenger serves the space's platform."""
        return await post_to_space(self, post)


MessengerFactory = Callable[[MessengerDeps], Messenger]


@dataclass
class Mentorhub:
    """The wired application: built by :func:`build`, run by ``bots.runner``."""

    config: Config
    engine: AsyncEngine
    hub: Hub
    clock: Clock
    uow_factory: UnitOfWorkFactory
    read_factory: ReadFactory  # long reads (status, the digest): beside writers, not behind
    long_reads: asyncio.Semaphore  # whole-program reads, one at a time
    outlets: Outlets
    delivery: DeliveryWorker  # one pass at a time (it has its own lock)
    due_handlers: Mapping[str, DueHandler]
    digest_hook: DigestHook | None  # the weekly coordinator digest, from the domain
    worker_id: str
    metrics: PrometheusMetrics = field(default_factory=PrometheusMetrics)
    receiver_leases: list[ReceiverLease] = field(default_factory=list)  # set by the runner
    _working: set[asyncio.Task[Any]] = field(default_factory=set)
    _stopping: bool = False
    _dashboard: Dashboard | None = None

    @property
    def dashboard(self) -> Dashboard:
        """The browser dashboard's use cases (served by adapters/web when [web] is on)."""
        if self._dashboard is None:
            self._dashboard = Dashboard(
                self.hub, writes=self.uow_factory, reads=self.read_factory, clock=self.clock
            )
        return self._dashboard

    @property
    def stopping(self) -> bool:
        return self._stopping

    @property
    def pacer(self) -> Pacer:
        """The process's one pacer: the outbox's and every messenger's replies."""
        return self.delivery.pacer

    @property
    def messengers(self) -> list[Messenger]:
        return self.outlets.running()

    def uow(self) -> UnitOfWork:
        return self.uow_factory()

    async def deliver(self) -> DeliveryReport:
        """Send what the outbox holds (the delivery job; also after each console line)."""
        return await self._tracked(self.delivery.deliver, DeliveryReport())

    async def dispatch(self) -> DispatchReport:
        """Act on due items (the poller job)."""
        settings = self.config.scheduler
        return await self._tracked(
            lambda: dispatch_due(
                self.uow_factory,
                self.clock,
                self.due_handlers,
                worker=self.worker_id,
                batch=settings.batch_size,
                lease=timedelta(seconds=settings.lease_seconds),
                metrics=self.metrics,
            ),
            DispatchReport(),
        )

    async def housekeep(self) -> HousekeepingReport:
        """The purges (see core.housekeeping); on SQLite, then a WAL checkpoint, so pages
        that held deleted rows don't linger in the -wal file either."""

        async def purge_then_checkpoint() -> HousekeepingReport:
            report = await housekeep(
                self.uow_factory,
                self.clock,
                privacy=self.config.privacy_retention(),
                settings=self.hub.settings,
            )
            await checkpoint(self.engine)
            return report

        return await self._tracked(purge_then_checkpoint, HousekeepingReport())

    async def upkeep(self) -> int:
        """Mentoring upkeep: expire unanswered requests, lift ended pauses."""
        return await self._tracked(
            lambda: mentoring_upkeep(
                self.uow_factory,
                self.clock,
                self.hub.settings,
                worker=self.worker_id,
            ),
            0,
        )

    async def weekly_digest(self) -> int:
        return await self._tracked(
            lambda: run_weekly_digest(
                self.uow_factory,
                self.clock,
                self.digest_hook,
                worker=self.worker_id,
                read_factory=self.read_factory,
                long_reads=self.long_reads,
            ),
            0,
        )

    async def catch_up(self) -> None:
        """Do what is due by now and deliver: after each console line. On the system clock
        the scheduler's pollers find due work; a manual clock has no poller, so its due
        work runs here, at the clock's time."""
        if isinstance(self.clock, ManualClock):
            await self._work_due_now()
        else:
            await self.deliver()

    async def pass_time(self, delta: timedelta) -> datetime:
        """Move the manual clock ``delta`` forward as if that time had passed: it stops at
        each moment when time-driven work falls due (a due item, a pause's end, a
        request's expiry, the weekly digest) and does that work there, before moving on.
        The scheduler's jobs run on the wall clock; this is their stand-in for a clock
        that moves only when told."""
        clock = self.clock
        if not isinstance(clock, ManualClock):
            raise TypeError("only a manual clock can be moved; this one is the system's")
        target = clock.now() + delta
        await self._work_due_now()
        while (now := clock.now()) < target:
            digest_at = next_digest_at(now)
            wakeup = await next_wakeup(self.uow_factory, after=now)
            step = min(target, digest_at, wakeup or target)
            clock.set(step)
            if step == digest_at:
                await self.weekly_digest()
            await self._work_due_now()
        if delta:
            await self.housekeep()
        return target

    async def _work_due_now(self) -> None:
        await self.upkeep()  # first: a pause that ends now lifts before what it held back
        for _ in range(_DISPATCH_PASSES):
            if not (await self.dispatch()).claimed:
                break
        await self.deliver()

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

    def begin_stopping(self) -> None:
        """No background work starts from now on (what runs goes on)."""
        self._stopping = True

    async def finish_background(self) -> None:
        """Until the background work running now has finished (the caller bounds it)."""
        running = [task for task in self._working if task is not asyncio.current_task()]
        if running:
            await asyncio.wait(running)

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


def build_due_handlers(settings: CoreSettings) -> dict[str, DueHandler]:
    """Handlers by due-item kind: the mentoring domain's nudges (core/nudges.py), with the
    configured settings (scheduled work never falls back to defaults)."""
    return dict(nudges.due_handlers(settings))


def build(
    config: Config,
    *,
    clock: Clock | None = None,
    engine: AsyncEngine | None = None,
    messengers: Sequence[MessengerFactory] | None = None,
    terminal: Terminal | None = None,
    pacer: Pacer | None = None,
    due_handlers: Mapping[str, DueHandler] | None = None,
) -> Mentorhub:
    """The whole object graph, in one place. ``messengers``: factories to build instead of
    the enabled ones of the config (tests, benchmarks); ``terminal``: the process's
    input and output, for the console; ``due_handlers``: instead of the domain's
    (benchmarks)."""
    redactor = _redact_configured_secrets(config)
    engine = engine or create_engine(config.database.url)
    sessions = session_factory(engine)
    write_lock = asyncio.Lock() if engine.dialect.name == "sqlite" else None
    clock = clock or SystemClock()
    if pacer is None:
        # Workers on one PostgreSQL database share each platform's budget; on SQLite
        # there is one process, and its own pacer is the whole budget.
        shared = PostgresSharedPacing(engine) if engine.dialect.name == "postgresql" else None
        pacer = Pacer(shared=shared)

    read_sessions = session_factory(engine, read_only=True)
    long_reads = asyncio.Semaphore(1)

    def uow_factory() -> UnitOfWork:
        return cast(UnitOfWork, SqlUnitOfWork(sessions, write_lock=write_lock))

    def read_factory() -> UnitOfWork:
        return cast(UnitOfWork, SqlUnitOfWork(read_sessions, read_only=True))

    registry = build_registry()
    metrics = PrometheusMetrics(spec.name for spec in registry.all(include_hidden=True))
    pacer.metrics = metrics
    settings = config.core_settings()
    kinds = config.enabled_kinds()
    outlets = Outlets()
    hub = Hub(
        registry=registry,
        dialogs=build_dialogs(registry),
        uow_factory=uow_factory,
        read_factory=read_factory,
        long_reads=long_reads,
        clock=clock,
        settings=settings,
        spaces=outlets,
        coordinator_guard=coordinator_guard,
    )
    hub.metrics = hub.dialogs.metrics = metrics
    worker_id = new_worker_id()
    scheduler = config.scheduler
    delivery = DeliveryWorker(
        uow_factory,
        outlets,
        clock,
        worker=worker_id,
        pacing=pacing_rules(config.sections),
        pacer=pacer,
        senders_per_platform=scheduler.senders_per_platform,
        lease=timedelta(seconds=scheduler.lease_seconds),
        on_unreachable=nudges.on_unreachable,
        metrics=metrics,
    )
    app = Mentorhub(
        config=config,
        engine=engine,
        hub=hub,
        clock=clock,
        uow_factory=uow_factory,
        read_factory=read_factory,
        long_reads=long_reads,
        outlets=outlets,
        delivery=delivery,
        due_handlers=build_due_handlers(settings) if due_handlers is None else due_handlers,
        digest_hook=nudges.weekly_digest,
        worker_id=worker_id,
        metrics=metrics,
    )
    deps = MessengerDeps(
        hub=hub,
        pacer=pacer,
        secret=functools.partial(_read_secret, config, redactor),
        deliver_now=app.catch_up,
        terminal=terminal,
        pass_time=app.pass_time if isinstance(clock, ManualClock) else None,
    )
    if messengers is None:
        messengers = [functools.partial(_from_config, kind, config) for kind in kinds]
    for factory in messengers:
        outlets.add(factory(deps))
    return app


def _redact_configured_secrets(config: Config) -> SecretRedactor:
    """From here on no log line shows a secret the configuration names: each enabled
    messenger's tokens and secrets, and the database password."""
    redactor = install_redaction()
    for kind in config.enabled_kinds():
        for _, env_name in kind.secrets(config.section(kind)):
            redactor.add(os.environ.get(env_name, ""))
    with contextlib.suppress(ArgumentError):  # a bad URL: load_config reported it
        redactor.add(make_url(config.database.url).password or "")
    return redactor


def _read_secret(config: Config, redactor: SecretRedactor, env_name: str) -> Secret:
    """A messenger's secret, masked in the logs from the moment it is read."""
    secret = config.secret(env_name)
    redactor.add(secret.reveal())
    return secret


def _from_config(kind: MessengerKind[Any], config: Config, deps: MessengerDeps) -> Messenger:
    return kind.build(config.section(kind), deps)
