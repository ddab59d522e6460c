"""Helpers for the scheduling and delivery tests: fake time, a recording sender, people."""

from __future__ import annotations

import asyncio
import math
from collections import defaultdict, deque
from datetime import datetime, timedelta

from bots.bootstrap import Mentorhub
from core.clock import ManualClock
from core.delivery import DeliveryError
from core.identity import Person, Platform, PlatformAccount
from core.messages import Reply, reply_to_data
from core.ports import OutboxMessage


class SimulatedCrash(BaseException):
    """The process dies here: nothing after this line runs, no handler catches it."""


class VirtualTime:
    """Monotonic time and sleep for a pacer, on their own: ``sleep`` moves ``now`` at once."""

    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)
        await asyncio.sleep(0)


async def queue_notice(app: Mentorhub, person_id: int, key: str) -> None:
    """A notice for ``person_id`` in the outbox, due now (its text: "notice <key>")."""
    async with app.uow() as uow:
        await uow.outbox.add(
            OutboxMessage(
                person_id=person_id,
                key=key,
                kind="notice",
                payload=reply_to_data(Reply(f"notice {key}")),
                created_at=app.clock.now(),
                next_attempt_at=app.clock.now(),
            )
        )
        await uow.commit()


class FakeTime:
    """Monotonic time and sleep for the pacer, tied to the test's ManualClock.

    ``sleep`` moves the clock forward at once (no wall-clock wait). Pacing stays exact:
    a task that slept finds the tokens that accrued meanwhile.
    """

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self.origin = clock.now()
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return (self.clock.now() - self.origin).total_seconds()

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        # round up to the clock's microsecond, so the sleeper finds its token
        self.clock.advance(timedelta(microseconds=math.ceil(max(0.0, seconds) * 1e6)))
        await asyncio.sleep(0)


class FakeSender:
    """A messenger's sending side that records what it delivered.

    ``script[user_id]`` holds exceptions to raise on the next sends to that user (a
    ``SimulatedCrash`` *after* recording the delivery models a crash between the
    platform call and recording its result). ``confirms`` turns on ``confirm_sent``.
    """

    def __init__(
        self, platform: Platform, time: FakeTime | None = None, *, confirms: bool = False
    ) -> None:
        self.platform = platform
        self.time = time
        self.delivered: list[tuple[str, str, str]] = []  # (user_id, text, key)
        self.at: list[float] = []
        self.script: dict[str, deque[BaseException]] = defaultdict(deque)
        self.always: dict[str, BaseException] = {}
        self.calls = 0
        if confirms:
            self.confirm_sent = self._confirm_sent
            self.send_keyed = self._send_keyed

    async def send(self, account: PlatformAccount, reply: Reply) -> None:
        await self._deliver(account, reply, "")

    async def _send_keyed(self, account: PlatformAccount, reply: Reply, *, key: str) -> None:
        await self._deliver(account, reply, key)

    async def _deliver(self, account: PlatformAccount, reply: Reply, key: str) -> None:
        self.calls += 1
        await asyncio.sleep(0)
        failure = self.always.get(account.user_id)
        if failure is None and self.script[account.user_id]:
            failure = self.script[account.user_id].popleft()
        if isinstance(failure, DeliveryError):
            raise failure
        self.delivered.append((account.user_id, reply.text, key))
        if self.time is not None:
            self.at.append(self.time.monotonic())
        if failure is not None:
            raise failure  # the crash comes after the platform accepted the message

    async def _confirm_sent(
        self, account: PlatformAccount, key: str, reply: Reply, *, attempted_at: datetime
    ) -> bool | None:
        return any(k == key for _, _, k in self.delivered)

    def texts(self, user_id: str | None = None) -> list[str]:
        return [text for user, text, _ in self.delivered if user_id in (None, user)]


async def add_person(
    app: Mentorhub,
    handle: str,
    *accounts: tuple[Platform, str, str],
    timezone: str = "Europe/Berlin",
) -> tuple[int, list[PlatformAccount]]:
    """A person with accounts given as (platform, workspace, user_id), preferred first."""
    async with app.uow() as uow:
        person = await uow.people.add(
            Person(
                handle=handle,
                name=handle.title(),
                timezone=timezone,
                languages=("en",),
                created_at=app.clock.now(),
            )
        )
        assert person.id is not None
        added = []
        for index, (platform, workspace, user_id) in enumerate(accounts):
            added.append(
                await uow.accounts.add(
                    PlatformAccount(
                        platform=platform,
                        workspace=workspace,
                        user_id=user_id,
                        person_id=person.id,
                        preferred=index == 0,
                    )
                )
            )
        await uow.commit()
    return person.id, added
