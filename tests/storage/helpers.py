"""Reading the database behind a unit of work, for assertions core has no port for."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, select

from core.ports import OutboxMessage, UnitOfWork
from storage.mapping import to_domain
from storage.tables import OutboxRow
from storage.uow import SqlUnitOfWork


async def pending_outbox(uow: UnitOfWork, *, now: datetime) -> list[OutboxMessage]:
    """Pending outbox rows due by ``now``, leased or not, in the order workers claim them."""
    assert isinstance(uow, SqlUnitOfWork)
    rows = await uow.session.exec(
        select(OutboxRow)
        .where(OutboxRow.status == "pending", col(OutboxRow.next_attempt_at) <= now)
        .order_by(col(OutboxRow.next_attempt_at), col(OutboxRow.id))
    )
    return [to_domain(row, OutboxMessage) for row in rows.all()]
