"""Send slots shared by the workers on one PostgreSQL database (core.pacing.SharedPacing).

One row per pacing scope holds the scope's next free send slot, as seconds since the
epoch on the database's clock (so workers on several hosts agree). A reservation locks
the rows of the message's scopes (in name order, so two reservations never deadlock),
takes the common slot — the latest of their next free slots, or now — and moves each
scope one spacing past it: one short transaction, a few milliseconds, per message sent.
This is GCRA (a token bucket without burst): sends of one scope are at least a spacing
apart whichever process makes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from core.pacing import SharedSlot

_SEED = (
    "INSERT INTO pacing_slot (scope, next_at) SELECT unnest($1::varchar[]), 0 "
    "ON CONFLICT (scope) DO NOTHING"
)

# One statement: lock the scopes' rows, then read the clock, and take the common slot —
# unless it is further than $3 seconds away (NULL: however far), or it would leave a hole
# in the widest scope's schedule (the first of the arrays; see SharedPacing.reserve).
# Each scope's wait comes back either way.
_RESERVE = """
WITH wanted AS (
    SELECT scope, spacing, n
    FROM unnest($1::varchar[], $2::float8[]) WITH ORDINALITY AS w(scope, spacing, n)
), locked AS (
    SELECT s.scope, s.next_at, wanted.spacing, wanted.n
    FROM pacing_slot s JOIN wanted USING (scope)
    ORDER BY s.scope FOR UPDATE OF s
), clock AS (  -- read once the locks are ours: waiting for them must not age "now"
    SELECT extract(epoch FROM clock_timestamp())::float8 AS now
    FROM (SELECT count(*) FROM locked) AS taken
), slot AS (
    SELECT GREATEST(clock.now, (SELECT max(next_at) FROM locked)) AS at, clock.now,
           (SELECT GREATEST(clock.now, next_at) + spacing FROM locked WHERE n = 1) AS hole
    FROM clock
), moved AS (
    UPDATE pacing_slot s SET next_at = slot.at + wanted.spacing
    FROM slot, wanted
    WHERE s.scope = wanted.scope AND slot.at < slot.hole
      AND ($3::float8 IS NULL OR slot.at - slot.now <= $3::float8)
    RETURNING s.scope
)
SELECT locked.scope, locked.next_at - slot.now, slot.at - slot.now,
       (SELECT count(*) FROM moved)
FROM locked, slot
"""

_PAUSE = (
    "INSERT INTO pacing_slot (scope, next_at) "
    "VALUES ($1, extract(epoch FROM clock_timestamp())::float8 + $2) "
    "ON CONFLICT (scope) DO UPDATE SET next_at = GREATEST(pacing_slot.next_at, excluded.next_at)"
)

_FORGET = "DELETE FROM pacing_slot WHERE next_at < extract(epoch FROM clock_timestamp()) - $1"


class PostgresSharedPacing:
    """core.pacing.SharedPacing on PostgreSQL (the pacing_slot table, migration 0012).

    Each statement runs on its own (autocommit; the reservation is one statement, so its
    locks last only as long as it does) straight through the driver. A reservation costs
    this process about 0.8 ms of CPU, most of it the round trips' socket calls (the
    pool's ping on checkout is one of them): nothing at a platform's 30–50 messages a
    second, but it halves what one process could send on PostgreSQL were the platforms
    unlimited (benchmark B7)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def reserve(
        self, scopes: Sequence[tuple[str, float]], *, give_up_after: float | None
    ) -> SharedSlot:
        names = [name for name, _ in scopes]
        spacings = [spacing for _, spacing in scopes]
        async with self.engine.connect() as connection:
            driver = await _driver(connection)
            await driver.execute(_SEED, names)
            rows = await driver.fetch(_RESERVE, names, spacings, give_up_after)
        waits = {str(row[0]): max(0.0, float(row[1])) for row in rows}
        wait = max(0.0, float(rows[0][2])) if rows else 0.0
        reserved = bool(rows) and int(rows[0][3]) == len(names)
        return SharedSlot(reserved=reserved, wait=wait, waits={} if reserved else waits)

    async def pause(self, scope: str, seconds: float) -> None:
        async with self.engine.connect() as connection:
            await (await _driver(connection)).execute(_PAUSE, scope, float(seconds))

    async def forget_idle(self, older_than: float) -> int:
        async with self.engine.connect() as connection:
            status = await (await _driver(connection)).execute(_FORGET, float(older_than))
        return int(status.split()[-1])  # "DELETE <count>"


async def _driver(connection: AsyncConnection) -> Any:
    """The asyncpg connection under SQLAlchemy's, outside any transaction."""
    driver = (await connection.get_raw_connection()).driver_connection
    assert driver is not None
    return driver
