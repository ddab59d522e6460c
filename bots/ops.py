"""The operations port: ``/healthz``, ``/readyz`` and ``/metrics`` over HTTP (aiohttp).

``/healthz`` answers from the event loop itself, so an answer means the loop runs.
``/readyz`` asks the database for ``SELECT 1`` (bounded) and each messenger whether it
works: connected for receiving where this worker receives, able to send otherwise
(:class:`core.delivery.Supervised`); 503 with what isn't ready and why. ``/metrics`` is the
Prometheus text format, the database gauges read at scrape time (bounded too).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from adapters.web.serving import serve
from bots.metrics import CONTENT_TYPE_LATEST
from core.delivery import Supervised
from storage.operations import ping, snapshot

if TYPE_CHECKING:
    from bots.bootstrap import Mentorhub

log = logging.getLogger(__name__)


class OpsPortUnavailable(Exception):
    """The operations port can't be opened (taken, or not an address of this machine)."""


async def readiness(app: Mentorhub) -> dict[str, str]:
    """What isn't ready, and why: empty when everything is."""
    problems: dict[str, str] = {}
    if app.stopping:
        problems["process"] = "shutting down"
    try:
        async with asyncio.timeout(app.config.ops.database_timeout_seconds):
            await ping(app.engine)
    except TimeoutError:
        timeout = app.config.ops.database_timeout_seconds
        problems["database"] = f"no answer to SELECT 1 within {timeout:g}s"
    except (OSError, SQLAlchemyError) as error:
        cause = getattr(error, "orig", None) or error
        problems["database"] = (str(cause).splitlines() or [type(cause).__name__])[0][:300]
    for messenger in app.messengers:
        if not isinstance(messenger, Supervised):
            continue
        name = messenger.platform.value
        if messenger.failure is not None:
            problems[name] = messenger.failure
        elif not messenger.ready:
            problems[name] = "not connected"
    app.metrics.ready.set(0 if problems else 1)
    return problems


class OperationsServer:
    """Serves the operations endpoints of ``app`` on ``[ops] host``/``port``."""

    def __init__(self, app: Mentorhub) -> None:
        self.app = app
        self._runner: web.AppRunner | None = None
        self.port = 0  # the bound port, once started

    def web_app(self) -> web.Application:
        routes = web.Application()
        routes.router.add_get("/healthz", self.healthz)
        routes.router.add_get("/readyz", self.readyz)
        routes.router.add_get("/metrics", self.metrics)
        return routes

    async def start(self) -> None:
        settings = self.app.config.ops
        try:
            self._runner, self.port = await serve(self.web_app(), settings.host, settings.port)
        except OSError as error:
            raise OpsPortUnavailable(
                f"the operations port {settings.host}:{settings.port} can't be opened "
                f"({error.strerror or error}); change [ops] host/port, or set enabled = false"
            ) from error
        log.info("operations port: http://%s:%d/readyz", settings.host, self.port)

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def healthz(self, request: web.Request) -> web.Response:
        await asyncio.sleep(0)  # answered by the loop: a blocked loop doesn't answer at all
        return web.json_response({"status": "alive"})

    async def readyz(self, request: web.Request) -> web.Response:
        problems = await readiness(self.app)
        body: dict[str, Any] = {"ready": not problems}
        if problems:
            body["not_ready"] = problems
        return web.json_response(body, status=503 if problems else 200)

    async def metrics(self, request: web.Request) -> web.Response:
        app, exported = self.app, self.app.metrics
        now = app.clock.now()
        try:
            async with asyncio.timeout(app.config.ops.database_timeout_seconds):
                exported.observe(await snapshot(app.engine, now), now)
        except (TimeoutError, OSError, SQLAlchemyError) as error:
            exported.scrape_errors.inc()  # the other metrics are still worth a scrape
            log.warning("metrics: the database gauges could not be read (%s)", error)
        await readiness(app)  # sets mentorhub_ready
        for lease in app.receiver_leases:
            receiver = lease.name.partition(":")[0]  # "telegram-polling", "discord-gateway"
            exported.lease_held.labels(receiver).set(1 if lease.receiving else 0)
        return web.Response(
            body=exported.exposition(), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )
