"""The delivery worker's group commit: many senders' bookkeeping in one transaction, marks
and outcomes in one statement per run, other writes in their order."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, cast

from core.delivery.lanes import GroupCommit
from core.ports import OutboxMessage, UnitOfWork

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class RecordingOutbox:
    def __init__(self, log: list[Any], lost: set[int]) -> None:
        self.log, self.lost = log, lost

    async def mark_sending_many(
        self, accounts: Mapping[int, int], *, worker: str, now: datetime, lease: timedelta
    ) -> dict[int, int]:
        self.log.append(("mark", sorted(accounts.items())))
        return {row: 1 for row in accounts if row not in self.lost}

    async def release_many(self, messages: Sequence[OutboxMessage], *, worker: str) -> set[int]:
        self.log.append(("release", [m.id for m in messages]))
        return {m.id for m in messages if m.id is not None and m.id not in self.lost}


class RecordingUow:
    def __init__(self, log: list[Any], lost: set[int]) -> None:
        self.outbox = RecordingOutbox(log, lost)
        self.log = log

    async def __aenter__(self) -> RecordingUow:
        return self

    async def __aexit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        pass

    async def commit(self) -> None:
        self.log.append("commit")


def message(row: int) -> OutboxMessage:
    return OutboxMessage(
        person_id=1, key=f"k{row}", kind="nudge", payload={}, created_at=NOW, id=row
    )


async def test_a_batch_writes_each_run_of_marks_or_outcomes_in_one_call() -> None:
    log: list[Any] = []
    commits = GroupCommit(
        lambda: cast(UnitOfWork, RecordingUow(log, lost={3})),
        worker="w",
        lease=timedelta(minutes=2),
        now=lambda: NOW,
    )

    async def other(uow: UnitOfWork) -> str:
        log.append("other")
        return "done"

    results = await asyncio.gather(
        commits.mark_sending(1, 10),
        commits.mark_sending(2, 20),
        commits.mark_sending(3, 30),
        commits.release(message(4)),
        commits.release(message(5)),
        commits.release(message(4)),  # the same row again: a run of its own
        commits.submit(other),
        commits.submit(other),
        commits.release(message(3)),
    )
    assert results == [1, 1, None, True, True, True, "done", "done", False]
    assert log == [
        ("mark", [(1, 10), (2, 20), (3, 30)]),
        ("release", [4, 5]),
        ("release", [4]),
        "other",
        "other",
        ("release", [3]),
        "commit",
    ]


async def test_interleaved_marks_and_outcomes_of_different_rows_share_two_calls() -> None:
    log: list[Any] = []
    commits = GroupCommit(
        lambda: cast(UnitOfWork, RecordingUow(log, lost=set())),
        worker="w",
        lease=timedelta(minutes=2),
        now=lambda: NOW,
    )
    results = await asyncio.gather(
        commits.mark_sending(1, 10),
        commits.release(message(2)),
        commits.mark_sending(3, 30),
        commits.release(message(4)),
        commits.release(message(1)),  # row 1 again: after its mark
    )
    assert list(results) == [1, True, 1, True, True]
    assert log == [
        ("mark", [(1, 10), (3, 30)]),
        ("release", [2, 4]),
        ("release", [1]),
        "commit",
    ]
