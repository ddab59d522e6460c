"""Who receives, when several workers share one PostgreSQL database.

Some receiving connections admit one holder per bot: Telegram long polling (a second
poller gets 409 Conflict and both lose updates) and each Discord gateway shard (two
sessions both receive, and answer, every interaction). Every worker sends; exactly one
receives on each such connection: the one holding a PostgreSQL session advisory lock
named after it. The lock lives as long as the holder's database session, so when a
worker dies (or loses the database) the lock is released and another worker's next try
takes over within ``retry_seconds``; the old holder, if alive, stops receiving as soon as
it notices that its session is gone.

On SQLite there is one process by design, and nothing to share.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from typing import Protocol

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from core.delivery import ExclusiveReceiver, MessengerFailed

log = logging.getLogger(__name__)


class Sleep(Protocol):
    async def __call__(self, seconds: float, /) -> None: ...


def lock_key(name: str) -> int:
    """A stable signed 64-bit advisory-lock key for ``name``."""
    digest = hashlib.sha256(f"mentorhub-receiver:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class ReceiverLease:
    """Runs ``receiver``'s receiving side while this worker holds the lock named ``name``."""

    def __init__(
        self,
        engine: AsyncEngine,
        receiver: ExclusiveReceiver,
        name: str,
        *,
        retry_seconds: float = 5.0,
        check_seconds: float = 5.0,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.engine = engine
        self.receiver = receiver
        self.name = name
        self.key = lock_key(name)
        self.retry_seconds = retry_seconds
        self.check_seconds = check_seconds
        self._sleep = sleep
        self.receiving = False

    async def run(self) -> None:
        """Until cancelled: take the lock when it is free, receive while it is held."""
        try:
            while True:
                try:
                    await self._hold_once()
                except SQLAlchemyError as exc:
                    log.warning("receiver lease %s: database trouble (%s)", self.name, exc)
                except MessengerFailed:  # it logged why; only a restart can mend it
                    log.warning("receiver lease %s: the messenger failed; no more tries", self.name)
                    return
                except Exception:  # the receiver failed to start: try again later
                    log.exception("receiver lease %s: receiving failed", self.name)
                await self._sleep(self.retry_seconds)
        finally:  # cancelled while the unlock below was still finishing
            await asyncio.shield(self._stop_receiving())

    async def _hold_once(self) -> None:
        """One try: returns (lock released) when the lock was taken elsewhere or our
        session failed; raises SQLAlchemyError on database trouble."""
        async with self.engine.connect() as connection:
            if not await self._try_lock(connection):
                return
            try:
                log.info("receiver lease %s: this worker receives", self.name)
                await self.receiver.start_receiving()
                self.receiving = True
                while True:  # the lock is ours while this session lives
                    await self._sleep(self.check_seconds)
                    await connection.execute(text("SELECT 1"))
            finally:
                await asyncio.shield(self._unlock(connection))

    async def _try_lock(self, connection: AsyncConnection) -> bool:
        taken = await connection.scalar(
            text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}
        )
        await connection.commit()  # the lock is the session's, not the transaction's
        return bool(taken)

    async def _unlock(self, connection: AsyncConnection) -> None:
        await self._stop_receiving()
        try:
            await connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
            await connection.commit()
        except SQLAlchemyError:
            pass  # the session is gone, and the lock with it

    async def _stop_receiving(self) -> None:
        if not self.receiving:
            return
        self.receiving = False
        try:
            await self.receiver.stop_receiving()
        except Exception:
            log.exception("receiver lease %s: stopping the receiver failed", self.name)
        log.info("receiver lease %s: this worker no longer receives", self.name)
