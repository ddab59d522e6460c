"""`mentorhub run`: one asyncio loop with the configured adapters and the scheduler."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import signal
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.web.server import DashboardServer, WebSettings
from bots.bootstrap import DIGEST_CRON_DAY, DIGEST_HOUR, Mentorhub
from bots.ops import OperationsServer
from bots.receiving import ReceiverLease
from core.clock import ManualClock
from core.delivery import ExclusiveReceiver, Foreground, Messenger, Supervised
from storage import migrate
from storage.operations import release_leases

log = logging.getLogger(__name__)


class MigrationsPending(Exception):
    pass


class DatabaseUnreachable(Exception):
    """The database can't be opened at start-up (a server down, a file not writable)."""


@contextlib.asynccontextmanager
async def opening_database(engine: AsyncEngine) -> AsyncIterator[None]:
    """Turns a failure to reach the database into DatabaseUnreachable, in one line."""
    try:
        yield
    except (OSError, DBAPIError) as error:
        cause = error.orig if isinstance(error, DBAPIError) and error.orig else error
        reason = str(cause).splitlines()[0] if str(cause) else type(cause).__name__
        url = engine.url.render_as_string(hide_password=True)
        raise DatabaseUnreachable(f"the database {url} can't be opened: {reason}") from error


async def prepare_database(app: Mentorhub) -> None:
    """Apply pending migrations, or refuse to start when auto_migrate is off."""
    async with opening_database(app.engine):
        pending = await migrate.pending(app.engine)
    if not pending:
        return
    if not app.config.database.auto_migrate:
        raise MigrationsPending(
            "The database schema is behind this version of mentorhub. "
            "Run `mentorhub db upgrade` (or set database.auto_migrate = true)."
        )
    before, after = await migrate.upgrade(app.engine)
    log.info("database migrated from %s to %s", sorted(before) or "empty", sorted(after))


LONG_PASS = 15 * 60.0  # seconds: a poller's pass still running after this is worth a look


class OnePassAtATime:
    """A poller's job: runs ``work`` unless its previous pass is still running.

    A pass outliving its poll interval is normal (a delivery pass waits out a 429, a
    large backlog takes minutes), so a poll that finds one running returns at once and
    says so only at DEBUG; APScheduler's own guard (max_instances) would log a warning on
    every poll. A pass still running after ``warn_after`` seconds is warned about once.
    """

    def __init__(
        self,
        name: str,
        work: Callable[[], Awaitable[object]],
        *,
        warn_after: float = LONG_PASS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self._work = work
        self._warn_after = warn_after
        self._monotonic = monotonic
        self._running_since: float | None = None
        self._warned = False

    async def run(self) -> None:
        """The job's function (a coroutine function, so APScheduler awaits it)."""
        if self._running_since is not None:
            running = self._monotonic() - self._running_since
            if running >= self._warn_after and not self._warned:
                self._warned = True
                log.warning(
                    "%s: a pass has been running for %.0fs; later polls wait for it",
                    self.name,
                    running,
                )
            else:
                log.debug("%s: the previous pass is still running; this poll skips", self.name)
            return
        self._running_since, self._warned = self._monotonic(), False
        try:
            await self._work()
        finally:
            self._running_since = None


def build_scheduler(
    app: Mentorhub, *, monotonic: Callable[[], float] = time.monotonic
) -> AsyncIOScheduler:
    """A few fixed jobs; the schedule of record lives in our tables, never in APScheduler.

    Every job sets misfire_grace_time (the default of 1 s silently skips a late run),
    coalesce (one run for many missed ones) and max_instances=1. The pollers start at once
    (an interval trigger would otherwise wait one whole interval): overdue work found
    after a restart is claimed within a second of start-up. They may outlive their
    interval, so they guard themselves (:class:`OnePassAtATime`) and let APScheduler
    start a second instance, which returns at once.
    """
    scheduler = AsyncIOScheduler(timezone=UTC)
    poll = app.config.scheduler.poll_seconds
    now = datetime.now(UTC)
    pollers = {"dispatch-due": app.dispatch, "deliver-outbox": app.deliver}
    for job_id, work in pollers.items():
        scheduler.add_job(
            OnePassAtATime(job_id, work, monotonic=monotonic).run,
            "interval",
            seconds=poll,
            next_run_time=now,
            id=job_id,
            name=job_id,
            misfire_grace_time=30,
            coalesce=True,
            max_instances=2,  # the running pass, and a poll that finds it running
        )
    scheduler.add_job(
        app.upkeep, "interval", minutes=5, next_run_time=now, id="mentoring-upkeep",
        misfire_grace_time=300, coalesce=True, max_instances=1,
    )  # fmt: skip
    scheduler.add_job(
        app.housekeep, "interval", hours=1, id="housekeeping",
        misfire_grace_time=3600, coalesce=True, max_instances=1,
    )  # fmt: skip
    # Keyed by ISO week: a late run (up to 12 h after) or several workers send it once.
    scheduler.add_job(
        app.weekly_digest,
        "cron",
        day_of_week=DIGEST_CRON_DAY,
        hour=DIGEST_HOUR,
        id="weekly-digest",
        misfire_grace_time=12 * 3600,
        coalesce=True,
        max_instances=1,
    )
    return scheduler


def settle_memory() -> None:
    """Once started: the modules, SDK clients and caches loaded so far live as long as the
    process, so the collector stops walking them. Otherwise each full collection walks
    millions of them and stalls the event loop for tens of milliseconds (measured in B6,
    under a status of 2,000 pairs: the longest stall went from ~100 ms to ~30 ms)."""
    gc.collect()
    gc.freeze()


async def run(app: Mentorhub) -> int:
    """Start every messenger the app was built with and the scheduler; run until a
    foreground messenger (the console) finishes, or until SIGINT/SIGTERM; then shut down
    gracefully (:func:`shut_down`)."""
    await prepare_database(app)
    ops = OperationsServer(app) if app.config.ops.enabled else None
    if ops is not None:  # first: readiness says "not connected" while messengers start
        await ops.start()
    try:
        web = await start_dashboard(app)
    except BaseException:
        if ops is not None:
            await ops.stop()
        raise
    for note in app.config.notes():
        log.info("config: %s", note)
    # The scheduler's jobs follow the wall clock. A manual clock (a scripted console run)
    # drives the same work itself as it moves (Mentorhub.pass_time), so nothing
    # time-driven waits for a real timer or runs at a moment the clock never showed.
    scheduler: AsyncIOScheduler | None = None
    if isinstance(app.clock, ManualClock):
        await app.pass_time(timedelta(0))
    else:
        scheduler = build_scheduler(app)
        scheduler.start()
    started: list[Messenger] = []
    leases: list[asyncio.Task[None]] = []
    try:
        for messenger in app.messengers:
            lease = await start_messenger(app, messenger)
            started.append(messenger)
            if lease is not None:
                app.receiver_leases.append(lease)
                leases.append(asyncio.create_task(lease.run(), name=f"lease {lease.name}"))
            log.info("%s messenger started", messenger.platform.value)
        settle_memory()
        status = await _until_stopped(started)
    finally:
        await shut_down(app, started, leases, scheduler)
        if web is not None:
            await web.stop()
        if ops is not None:
            await ops.stop()
    return status


async def start_dashboard(app: Mentorhub) -> DashboardServer | None:
    """The coordinators' dashboard on [web] host/port, when enabled."""
    settings = app.config.web
    if not settings.enabled:
        return None
    server = DashboardServer(
        app.dashboard,
        WebSettings(
            settings.host, settings.port, secure=settings.secure, public_url=settings.public_url
        ),
    )
    await server.start()
    return server


async def shut_down(
    app: Mentorhub,
    started: list[Messenger],
    leases: list[asyncio.Task[None]],
    scheduler: AsyncIOScheduler | None,
) -> None:
    """Stop receiving; let the sends under way finish (``[scheduler] shutdown_seconds`` at
    most) and give back every row still claimed, so no other worker waits out a lease;
    close the messengers' clients and the database."""
    loop = asyncio.get_running_loop()
    grace = app.config.scheduler.shutdown_seconds
    deadline = loop.time() + grace
    app.begin_stopping()  # readiness fails, no new pass starts
    if scheduler is not None:
        scheduler.pause()  # no new runs; shutdown() would cancel the running ones
    for task in leases:  # a lease stops its receiver on the way out
        task.cancel()
    # Stopping a receiver may wait for a long poll to end: beside the drain, not before it.
    receivers = [m for m in started if isinstance(m, ExclusiveReceiver)]
    stopping = asyncio.gather(
        *leases, *(m.stop_receiving() for m in receivers), return_exceptions=True
    )
    try:
        async with asyncio.timeout(grace):
            await app.delivery.drain()
            await app.finish_background()
    except TimeoutError:
        log.warning("shutdown: work still running after %gs is cut short", grace)
    try:
        async with asyncio.timeout(max(0.1, deadline - loop.time())):
            await stopping
    except TimeoutError:
        log.warning("shutdown: a messenger still receives after %gs", grace)
    if scheduler is not None:
        scheduler.shutdown(wait=False)
    await app.stop_background()
    try:
        released = await release_leases(app.engine, app.worker_id, app.clock.now())
        if released.outbox or released.outbox_sending or released.due:
            log.info(
                "shutdown: handed back %d outbox row(s), %d mid-send, %d due item(s)",
                released.outbox, released.outbox_sending, released.due,
            )  # fmt: skip
    except (OSError, SQLAlchemyError) as error:  # the database is gone: the leases expire
        log.warning("shutdown: could not hand back claimed rows (%s)", error)
    for messenger in reversed(started):
        try:
            await messenger.stop()
        except Exception:
            log.exception("stopping the %s messenger failed", messenger.platform.value)
    await app.close()


async def start_messenger(app: Mentorhub, messenger: Messenger) -> ReceiverLease | None:
    """Start ``messenger``. On PostgreSQL (where several workers may run) a connection only
    one worker may hold receives only under a lease: returned here, for the caller to run."""
    if app.engine.dialect.name != "postgresql" or not isinstance(messenger, ExclusiveReceiver):
        await messenger.start()
        return None
    await messenger.start_sending()
    name = messenger.receiver_name()
    if name is None:
        await messenger.start_receiving()
        return None
    return ReceiverLease(app.engine, messenger, name)


async def _until_stopped(messengers: list[Messenger]) -> int:
    """Until a foreground messenger (the console) finishes or a stop signal comes: 0. A
    messenger that fails for good (a refused token…) is left stopped while others run; when
    none is left: 1, so a supervisor sees that mentorhub can't work as configured."""
    foreground = [m for m in messengers if isinstance(m, Foreground)]
    stopped = asyncio.ensure_future(
        foreground[0].run_in_foreground() if foreground else _wait_for_stop_signal()
    )
    failures: dict[asyncio.Future[str], Messenger] = {
        asyncio.ensure_future(m.failed()): m for m in messengers if isinstance(m, Supervised)
    }
    working = len(messengers)
    waiting: set[asyncio.Future[Any]] = {stopped, *failures}
    try:
        while True:
            done, waiting = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
            if stopped in done:
                stopped.result()
                return 0
            working -= len(done)  # each messenger logged its failure and the fix
            if working == 0:
                log.error("no messenger is left running: mentorhub stops")
                return 1
            for failure in done:
                name = failures[failure].platform.value
                log.warning("the %s messenger stopped for good; the others keep running", name)
    finally:
        for task in waiting:
            task.cancel()
        await asyncio.gather(*waiting, return_exceptions=True)


async def _wait_for_stop_signal() -> None:
    """Until SIGINT or SIGTERM. From then on another one exits at once, without the
    graceful shutdown (the leases held then expire as after a crash)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()

    def on_signal(sig: signal.Signals) -> None:
        if stop.is_set():
            _exit_at_once(sig)
            return
        log.info("%s: mentorhub stops (again to stop at once)", sig.name)
        stop.set()

    for sig in STOP_SIGNALS:
        loop.add_signal_handler(sig, on_signal, sig)
    log.info("mentorhub is running; Ctrl-C to stop")
    await stop.wait()


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _exit_at_once(sig: signal.Signals) -> None:
    log.warning("%s again: mentorhub exits now", sig.name)
    logging.shutdown()
    os._exit(128 + sig.value)
