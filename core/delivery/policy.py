"""How often a failed send is tried again, and what a delivery pass reports."""

from __future__ import annotations

import random
from dataclasses import dataclass, field, fields
from datetime import timedelta


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff with "equal jitter": attempt n waits between half and all of
    ``min(cap, base * 2**(n-1))``, so failed sends don't return in lockstep."""

    max_attempts: int = 8
    base: timedelta = timedelta(seconds=10)
    cap: timedelta = timedelta(hours=1)

    def delay(self, attempt: int, rng: random.Random) -> timedelta:
        ceiling: timedelta = min(self.cap, self.base * 2 ** max(0, attempt - 1))
        half: timedelta = ceiling / 2
        return half + half * rng.random()


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    sent: int = 0
    retried: int = 0  # transient failure: back to pending with a backoff
    failed: int = 0  # gave up after RetryPolicy.max_attempts
    unreachable: int = 0  # no reachable account left; on_unreachable was told
    rerouted: int = 0  # an account was unreachable; trying the person's next one
    rate_limited: int = 0  # a 429 paused a scope
    deferred: int = 0  # put back for later by pacing (scope paused, lane backlog)
    shared: int = 0  # delivered by the post in the pair space made for the partner
    confirmed: int = 0  # recovered after a crash: the sender confirmed (or denied) it
    uncertain: int = 0  # recovered after a crash: can't tell, assumed sent
    lost: int = 0  # our lease was taken over before we could act

    def __add__(self, other: DeliveryReport) -> DeliveryReport:
        return DeliveryReport(
            *(getattr(self, f.name) + getattr(other, f.name) for f in fields(DeliveryReport))
        )


@dataclass(slots=True)
class Tally:
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, name: str, amount: int = 1) -> None:
        self.counts[name] = self.counts.get(name, 0) + amount

    def report(self) -> DeliveryReport:
        return DeliveryReport(**self.counts)
