"""What adapters hand to the core: one vocabulary for every messenger.

Each messenger's ``translate`` module turns a platform payload into one of these values
(plus whatever that adapter needs to know to answer, which core never sees), and the
adapter passes it to :meth:`core.hub.Hub.handle`. Core answers with an
:class:`~core.messages.Outcome`, rendered natively by the adapter.

Also here, because every adapter needs them on the way in:

- :class:`RecentKeys`: platforms redeliver (retried webhooks and events, a gateway
  dispatch replayed after a resume); a bounded memory of recent ids makes each event
  count once.
- :class:`KeyedLocks`: a person's inputs must reach the core one at a time, in order —
  two quick messages must not both answer the same dialog step.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import AsyncIterator, Hashable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from core.identity import Platform, UserRef

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True, slots=True)
class Command:
    """A command: ``verb`` with its argument text, as typed after the verb."""

    ref: UserRef
    verb: str
    text: str = ""


@dataclass(frozen=True, slots=True)
class Message:
    """Free text: the answer to the open dialog step, else a command typed without '/'."""

    ref: UserRef
    text: str


@dataclass(frozen=True, slots=True)
class Press:
    """A button press, carrying the button's compact action id (≤ 64 bytes)."""

    ref: UserRef
    action_id: str


@dataclass(frozen=True, slots=True)
class FormSubmit:
    """A whole form at once (a modal): values by field key, for the open dialog."""

    ref: UserRef
    dialog_id: str
    values: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ReachabilityChange:
    """The platform told us whether this account can be messaged: it blocked or
    unblocked the bot, or wrote to us (which proves we can reach it)."""

    ref: UserRef
    reachable: bool


@dataclass(frozen=True, slots=True)
class WorkspaceRemoved:
    """The app was removed from a workspace or guild: nobody there can be messaged."""

    platform: Platform
    workspace: str


Inbound = Command | Message | Press | FormSubmit | ReachabilityChange | WorkspaceRemoved


class RecentKeys(Generic[K]):
    """The last ``capacity`` keys seen; the oldest (least recently seen) is forgotten first."""

    def __init__(self, capacity: int = 10_000) -> None:
        self._capacity = capacity
        self._keys: OrderedDict[K, None] = OrderedDict()

    def first_time(self, key: K) -> bool:
        """True (and remember it) if ``key`` was not seen recently; False if it was."""
        if key in self._keys:
            self._keys.move_to_end(key)
            return False
        self._keys[key] = None
        if len(self._keys) > self._capacity:
            self._keys.popitem(last=False)
        return True

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def __len__(self) -> int:
        return len(self._keys)


class KeyedLocks(Generic[K]):
    """One FIFO lock per key, dropped when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[K, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, key: K) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    def __len__(self) -> int:
        return len(self._locks)
