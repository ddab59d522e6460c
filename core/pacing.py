"""Outbound pacing: token buckets keyed by scope, so we stay under each platform's limits
instead of learning them from 429s.

One :class:`Pacer` per process paces everything a messenger sends — the outbox's
deliveries and the adapters' interactive replies — so both draw on one budget per scope.
A message is sent only when every scope it belongs to has a token: the bot as a whole,
a workspace (where the platform limits one), the conversation, and — when the message
first has to open a conversation — a small budget of new conversations (opening many
gets a bot quarantined). Each adapter declares its platform's rates as a
:class:`PlatformPacing`; the composition root collects them.

Scope names, produced only by :class:`PlatformPacing` (``<p>`` is the platform's key):

============================  =========================================
``<p>``                        the bot as a whole
``<p>:<workspace>``            one workspace (when the platform has them)
``<p>:<conversation>``         one conversation (a DM, a chat, a channel)
``<p>:<workspace>:<conv>``     one conversation in a workspace
``<p>:new-dm``                 opening conversations not opened before
============================  =========================================

``RateLimited`` with an empty scope means "this platform, as far as this account goes":
the widest scope of the message (the bot, or the workspace). A 429 pauses only the
scope it names; every other scope keeps its pace.

Time is injected (``monotonic`` and ``sleep``), so tests run paced code in virtual time.

Several worker processes on one database must not each spend the platform's whole
budget: with a :class:`SharedPacing` (on PostgreSQL, storage/pacing.py) every send also
reserves a slot in each of its scopes in the database, so the workers together keep each
scope's pace and a 429 one of them meets pauses the scope for all. The in-process
buckets still run first (they order this process's senders and answer ``wait_time``
without a round trip); the shared slot has the last word. On SQLite there is one process
and no shared pacing.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from core.identity import Platform, PlatformAccount
from core.metrics import NO_METRICS, Metrics

__all__ = [
    "Pacer",
    "PlatformPacing",
    "Rate",
    "Scope",
    "SharedPacing",
    "SharedSlot",
    "Window",
]

log = logging.getLogger(__name__)

_EPSILON = 1e-9
Monotonic = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Rate:
    """``per_second`` tokens are added continuously, up to ``burst`` (at least 1)."""

    per_second: float
    burst: float = 1.0

    def __post_init__(self) -> None:
        if self.per_second <= 0 or self.burst < 1:
            raise ValueError("a rate needs per_second > 0 and burst >= 1")

    @classmethod
    def per_minute(cls, count: float, burst: float = 1.0) -> Rate:
        return cls(count / 60.0, burst)

    @classmethod
    def per_hour(cls, count: float, burst: float = 1.0) -> Rate:
        return cls(count / 3600.0, burst)


@dataclass(frozen=True, slots=True)
class Window:
    """At most ``count`` sends in any ``seconds``-long span — the rule some platforms
    apply (N per rolling second). Unlike a token bucket, a sender that wakes a
    little late loses nothing: the window still has room for the sends it missed.

    Sends are also kept ``1 / catch_up`` of the average interval apart, so the window
    is never spent in one burst (a burst arriving all at once is what trips the
    platform's own window when round trips vary).
    """

    count: int
    seconds: float = 1.0
    catch_up: float = 1.5

    def __post_init__(self) -> None:
        if self.count < 1 or self.seconds <= 0 or self.catch_up < 1:
            raise ValueError("a window needs count >= 1, seconds > 0 and catch_up >= 1")

    @property
    def per_second(self) -> float:
        return self.count / self.seconds

    @property
    def spacing(self) -> float:
        return self.seconds / self.count / self.catch_up


Limit = Rate | Window
SHARED_SPACING_MARGIN = 1.05
# Seconds a shared slot may be missed by (our wake-up came late, on a busy machine) and
# still be used: sends late by more bunch with the next ones, past a platform's window,
# so the slot is let go (it stays unused) and another taken. Counted from the database's
# answer: the time it took to come includes waiting for other workers' reservations,
# which is no lateness.
LATE_SLOT = 0.05
UNSHARED_ABOVE = 1e6  # sends per second: a scope this fast is unpaced, nothing to share


@dataclass(frozen=True, slots=True)
class Scope:
    name: str
    rate: Limit
    # What the scope is, for metrics (bounded, unlike its name): "bot", "workspace",
    # "conversation" or "new_conversation"; "" for a scope made elsewhere.
    kind: str = ""

    @property
    def messenger(self) -> str:
        return self.name.partition(":")[0]

    @property
    def spacing(self) -> float:
        """Seconds between two sends of the scope at its average pace, with no burst:
        what a slot shared between processes is spaced by. A little longer than the pace,
        because a send leaves when its worker hears back from the database, a few
        milliseconds after the slot, and those delays differ from one send to the next."""
        return SHARED_SPACING_MARGIN / self.rate.per_second


@dataclass(frozen=True, slots=True)
class SharedSlot:
    """A shared reservation's answer. ``reserved``: the slot is ours and the message may
    be sent in ``wait`` seconds. Otherwise nothing was taken, because the common slot was
    further away than the caller would wait; ``waits`` says how long each scope is
    busy (a 429 another worker met pauses its scope for everyone)."""

    reserved: bool
    wait: float
    waits: Mapping[str, float] = field(default_factory=dict)


class SharedPacing(Protocol):
    """Send slots shared by every process on one database, one schedule per scope name.

    ``reserve`` takes, atomically, the earliest slot free in all the given scopes (each
    given with its :attr:`Scope.spacing`, widest first) and moves each scope's next free
    slot one spacing past it — unless that slot is more than ``give_up_after`` seconds
    away, or a narrower scope would push it past the widest scope's next free slot: a
    message waiting for its chat must not hold the whole bot's schedule back (it waits,
    and asks again). Time is the database's, so workers on different hosts agree on it."""

    async def reserve(
        self, scopes: Sequence[tuple[str, float]], *, give_up_after: float | None
    ) -> SharedSlot: ...

    async def pause(self, scope: str, seconds: float) -> None:
        """Nobody sends in ``scope`` for ``seconds`` (a 429's retry-after)."""
        ...

    async def forget_idle(self, older_than: float) -> int:
        """Drop scopes with no slot taken for ``older_than`` seconds."""
        ...


class _Bucket:
    """A token bucket (for a :class:`Rate`)."""

    __slots__ = ("held_until", "paused_until", "rate", "tokens", "updated")

    def __init__(self, rate: Rate, now: float) -> None:
        self.rate = rate
        self.tokens = 1.0  # start with one token, not a full burst: no thundering start
        self.updated = now
        self.paused_until = 0.0
        self.held_until = 0.0  # other workers keep the scope busy until then

    def _refill(self, now: float) -> None:
        if now > self.updated:
            self.tokens = min(
                self.rate.burst, self.tokens + (now - self.updated) * self.rate.per_second
            )
            self.updated = now

    def wait(self, now: float) -> float:
        """Seconds until a token can be taken (0: now)."""
        self._refill(now)
        paused = max(0.0, self.paused_until - now, self.held_until - now)
        if self.tokens >= 1.0 - _EPSILON:  # float error must not become an endless wait
            return paused
        return max(paused, (1.0 - self.tokens) / self.rate.per_second)

    def take(self, now: float) -> None:
        self.tokens = max(0.0, self.tokens - 1.0)

    def pause(self, now: float, seconds: float) -> None:
        """Then restart from one token, so the scope does not burst when it reopens."""
        self.paused_until = max(self.paused_until, now + max(0.0, seconds))
        self.tokens = min(self.tokens, 0.0)
        self.updated = max(self.updated, self.paused_until - 1.0 / self.rate.per_second)

    def idle_since(self) -> float:
        return self.updated


class _SlidingWindow:
    """A log of recent sends (for a :class:`Window`)."""

    __slots__ = ("held_until", "paused_until", "rate", "stamps")

    def __init__(self, rate: Window, now: float) -> None:
        self.rate = rate
        self.stamps: deque[float] = deque()
        self.paused_until = 0.0
        self.held_until = 0.0  # other workers keep the scope busy until then

    def wait(self, now: float) -> float:
        while self.stamps and self.stamps[0] <= now - self.rate.seconds:
            self.stamps.popleft()
        paused = max(0.0, self.paused_until - now, self.held_until - now)
        spaced = self.stamps[-1] + self.rate.spacing - now if self.stamps else 0.0
        if len(self.stamps) < self.rate.count:
            return max(paused, spaced)
        return max(paused, spaced, self.stamps[0] + self.rate.seconds - now + _EPSILON)

    def take(self, now: float) -> None:
        self.stamps.append(now)

    def pause(self, now: float, seconds: float) -> None:
        self.paused_until = max(self.paused_until, now + max(0.0, seconds))

    def idle_since(self) -> float:
        return self.stamps[-1] if self.stamps else 0.0


_Limiter = _Bucket | _SlidingWindow


class Pacer:
    """Token buckets by scope name, created on first use.

    ``acquire(scopes)`` waits until every scope has a token and takes one from each, as
    one step (the event loop runs one coroutine at a time, so check-and-take is atomic).
    ``pause(scope, seconds)`` honours a 429's retry-after for that scope only.
    """

    def __init__(
        self,
        *,
        monotonic: Monotonic = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        shared: SharedPacing | None = None,
    ):
        self._monotonic = monotonic
        self._sleep = sleep
        self._buckets: dict[str, _Limiter] = {}
        self.metrics: Metrics = NO_METRICS  # the composition root sets the exporter
        self.shared = shared
        self._sharing: set[asyncio.Task[object]] = set()  # pauses and sweeps being written

    def _bucket(self, scope: Scope) -> _Limiter:
        bucket = self._buckets.get(scope.name)
        if bucket is None or type(bucket.rate) is not type(scope.rate):
            now = self._monotonic()
            bucket = (
                _Bucket(scope.rate, now)
                if isinstance(scope.rate, Rate)
                else _SlidingWindow(scope.rate, now)
            )
            self._buckets[scope.name] = bucket
        elif bucket.rate != scope.rate:
            bucket.rate = scope.rate  # same kind, new numbers
        return bucket

    def wait_time(self, scopes: Sequence[Scope]) -> float:
        """Seconds until :meth:`acquire` could take tokens for all ``scopes``."""
        now = self._monotonic()
        return max((self._bucket(scope).wait(now) for scope in scopes), default=0.0)

    async def acquire(self, scopes: Sequence[Scope], *, give_up_after: float | None = None) -> bool:
        """Wait for a token in every scope and take them. With ``give_up_after``, return
        False (taking nothing) as soon as a wait longer than that is needed — e.g. a
        scope was paused by a 429 while we waited."""
        waited = 0.0
        while True:
            wait = self.wait_time(scopes)
            if wait <= 0:
                slot = await self._reserve_shared(scopes, give_up_after)
                if slot.reserved:
                    now = self._monotonic()
                    for scope in scopes:
                        self._bucket(scope).take(now)
                    if slot.wait > 0:
                        await self._sleep(slot.wait)
                        waited += slot.wait
                    if self._monotonic() - (now + slot.wait) <= LATE_SLOT:
                        if waited and scopes:
                            self.metrics.pacer_waited(scopes[0].messenger, waited)
                        return True
                    continue  # a late send bunches with the next ones: let the slot go
                self._hold_shared_waits(scopes, slot)
                wait = self.wait_time(scopes)
            if give_up_after is not None and wait > give_up_after:
                return False
            await self._sleep(wait)
            waited += wait

    async def _reserve_shared(
        self, scopes: Sequence[Scope], give_up_after: float | None
    ) -> SharedSlot:
        shared = [
            (scope.name, scope.spacing)
            for scope in scopes
            if scope.rate.per_second < UNSHARED_ABOVE
        ]
        if self.shared is None or not shared:
            return SharedSlot(reserved=True, wait=0.0)
        return await self.shared.reserve(shared, give_up_after=give_up_after)

    def _hold_shared_waits(self, scopes: Sequence[Scope], slot: SharedSlot) -> None:
        """A scope other workers keep busy counts as busy here too, so ``wait_time`` tells
        this process's callers (the delivery worker choosing what to send next) the truth
        without asking the database again. Not a pause: sends whose slots are taken
        already go ahead."""
        now = self._monotonic()
        for scope in scopes:
            if (busy := slot.waits.get(scope.name, 0.0)) > 0:
                bucket = self._bucket(scope)
                bucket.held_until = max(bucket.held_until, now + busy)

    async def wait_out_pauses(
        self, scopes: Sequence[Scope], *, give_up_after: float | None = None
    ) -> bool:
        """Wait until no scope is paused by a 429, taking no token: for a send whose tokens
        whoever scheduled it took already. False (at once) if that would take longer than
        ``give_up_after``."""
        while (wait := max((self.paused_for(scope.name) for scope in scopes), default=0.0)) > 0:
            if give_up_after is not None and wait > give_up_after:
                return False
            await self._sleep(wait)
        return True

    def monotonic(self) -> float:
        """The pacer's clock (injected in tests)."""
        return self._monotonic()

    async def sleep(self, seconds: float) -> None:
        """Sleep on the pacer's clock (injected in tests)."""
        await self._sleep(seconds)

    def pause(self, scope: Scope, seconds: float) -> None:
        """Send nothing in ``scope`` for ``seconds`` (a 429's retry-after); with shared
        pacing, nor does any other worker (written in the background)."""
        bucket, now = self._bucket(scope), self._monotonic()
        if bucket.paused_until <= now:  # the adapter and the outbox both pause for one 429
            self.metrics.rate_limited(scope.messenger, scope.kind or "other")
        bucket.pause(now, seconds)
        if self.shared is not None:
            self._share(self.shared.pause(scope.name, seconds), f"pausing {scope.name}")

    def _share(self, write: Awaitable[object], what: str) -> None:
        async def run() -> object:
            try:
                return await write
            except Exception:  # the local pacer still holds; the next reserve asks again
                log.warning("shared pacing: %s failed", what, exc_info=True)
                return None

        task: asyncio.Task[object] = asyncio.get_running_loop().create_task(run())
        self._sharing.add(task)
        task.add_done_callback(self._sharing.discard)

    async def settled(self) -> None:
        """Wait for the shared writes started so far (tests; shutdown)."""
        if self._sharing:
            await asyncio.gather(*self._sharing)

    def paused_for(self, name: str) -> float:
        bucket = self._buckets.get(name)
        return 0.0 if bucket is None else max(0.0, bucket.paused_until - self._monotonic())

    def forget_idle(self, older_than: float = 3600.0) -> int:
        """Drop buckets unused for ``older_than`` seconds (per-chat buckets pile up)."""
        now = self._monotonic()
        idle = [
            name
            for name, b in self._buckets.items()
            if now - b.idle_since() > older_than and b.paused_until < now
        ]
        for name in idle:
            del self._buckets[name]
        if self.shared is not None:
            self._share(self.shared.forget_idle(older_than), "forgetting idle scopes")
        return len(idle)


@dataclass(frozen=True, slots=True)
class PlatformPacing:
    """How one platform is paced. Each rate that is None is not limited by us.

    ``platform_rate``: the bot as a whole; ``workspace_rate``: per workspace;
    ``conversation_rate``: per DM/chat/channel; ``new_conversation_rate``: opening DMs not
    open yet (only when the sender says a send would open one).
    """

    platform: Platform
    platform_rate: Limit | None = None
    workspace_rate: Limit | None = None
    conversation_rate: Limit | None = None
    new_conversation_rate: Limit | None = None

    def scopes(self, account: PlatformAccount, *, opens_conversation: bool = False) -> list[Scope]:
        """The scopes of a DM to ``account``, widest first."""
        return self.scopes_for(
            account.workspace, account.user_id, opens_conversation=opens_conversation
        )

    def scopes_for(
        self, workspace: str, conversation: str, *, opens_conversation: bool = False
    ) -> list[Scope]:
        """The scopes of a message to ``conversation`` (a user's DM is named by the user's
        id), widest first: the first scope is what an unscoped 429 pauses."""
        name = self.platform.value
        scopes: list[Scope] = []
        if self.platform_rate is not None:
            scopes.append(Scope(name, self.platform_rate, "bot"))
        if self.workspace_rate is not None:
            scopes.append(Scope(f"{name}:{workspace}", self.workspace_rate, "workspace"))
        if self.conversation_rate is not None:
            scopes.append(
                Scope(
                    self.conversation_scope(workspace, conversation),
                    self.conversation_rate,
                    "conversation",
                )
            )
        if opens_conversation and self.new_conversation_rate is not None:
            scopes.append(Scope(f"{name}:new-dm", self.new_conversation_rate, "new_conversation"))
        if not scopes:  # unpaced, but still a scope a 429 can pause
            scopes.append(Scope(name, UNLIMITED, "bot"))
        return scopes

    def conversation_scope(self, workspace: str, conversation: str) -> str:
        """The name of one conversation's scope, the same for replies and the outbox."""
        if workspace:
            return f"{self.platform.value}:{workspace}:{conversation}"
        return f"{self.platform.value}:{conversation}"

    def bot_scope(self) -> Scope:
        """The bot as a whole (what a platform-wide 429 pauses)."""
        return Scope(self.platform.value, self.platform_rate or UNLIMITED, "bot")


UNLIMITED = Rate(1e9, 1e9)
