"""Shared set-up for the fan-out scenarios: recipients, their outbox rows, the worker."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import func, select
from sqlmodel import col

from bots.messengers import pacing_rules
from core.clock import SystemClock
from core.delivery import DeliveryReport, DeliveryWorker, Sender
from core.identity import Platform
from core.messages import Reply, reply_to_data
from core.ports import UnitOfWork
from storage.db import create_engine, session_factory
from storage.repositories.base import _table
from storage.tables import AccountRow, OutboxRow, PersonRow
from storage.uow import SqlUnitOfWork

Recipient = tuple[Platform, str, str]  # platform, workspace, user id


async def seed(url: str, recipients: Sequence[Recipient], text: str = "Monday check-in") -> None:
    """One person per recipient (ids 1…n on a fresh database), one account, one nudge."""
    engine = create_engine(url)
    now = datetime.now(UTC)
    payload = reply_to_data(Reply(text, title="mentorhub"))
    people = [
        {
            "handle": f"r{i}",
            "name": f"R {i}",
            "timezone": "UTC",
            "languages": ["en"],
            "quiet_start": 0,
            "quiet_end": 0,
            "created_at": now,
            "paused_until": None,
        }
        for i in range(len(recipients))
    ]
    accounts = [
        {
            "person_id": i + 1,
            "platform": p.value,
            "workspace": w,
            "user_id": u,
            "display_name": "",
            "preferred": True,
            "reachable": True,
            "created_at": now,
        }
        for i, (p, w, u) in enumerate(recipients)
    ]
    messages = [
        {
            "person_id": i + 1,
            "key": f"nudge:week-10:{i}",
            "kind": "nudge",
            "payload": payload,
            "status": "pending",
            "attempts": 0,
            "created_at": now,
            "next_attempt_at": now,
        }
        for i in range(len(recipients))
    ]
    try:
        async with engine.begin() as conn:
            for table, rows in (
                (_table(PersonRow), people),
                (_table(AccountRow), accounts),
                (_table(OutboxRow), messages),
            ):
                await conn.execute(table.insert(), rows)
    finally:
        await engine.dispose()


def make_worker(
    url: str, senders: Mapping[Platform, Sender], **options: Any
) -> tuple[Any, DeliveryWorker]:
    engine = create_engine(url)
    sessions = session_factory(engine)
    worker = DeliveryWorker(
        lambda: cast(UnitOfWork, SqlUnitOfWork(sessions)),
        senders,
        SystemClock(),
        worker="bench",
        pacing=options.pop("pacing", pacing_rules()),
        **options,
    )
    return engine, worker


def windows(stamps: Sequence[float], start: float, end: float) -> list[float]:
    """Messages per one-second window between start and end (full windows only)."""
    counts = [0] * max(1, int(end - start))
    for stamp in stamps:
        index = int(stamp - start)
        if 0 <= index < len(counts):
            counts[index] += 1
    return [float(c) for c in counts]


async def drain(url: str, worker: DeliveryWorker, *, horizon: float = 10.0) -> DeliveryReport:
    """Run delivery passes until no row is due within ``horizon`` seconds (a row put back
    after a 429 comes due again a second or so later; a new-DM budget waits minutes)."""
    engine = create_engine(url)
    report = DeliveryReport()
    try:
        for _ in range(60):
            report += await worker.deliver()
            soon = datetime.now(UTC) + timedelta(seconds=horizon)
            async with engine.connect() as conn:
                due = await conn.execute(
                    select(func.count())
                    .select_from(OutboxRow)
                    .where(
                        col(OutboxRow.status) == "pending", col(OutboxRow.next_attempt_at) < soon
                    )
                )
                if due.scalar_one() == 0:
                    break
            await asyncio.sleep(0.2)
    finally:
        await engine.dispose()
    return report
