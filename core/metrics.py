"""What the core counts, as a port: the hub, the dialogs, the dispatcher, the delivery
worker and the pacer report through :class:`Metrics`; ``bots/metrics.py`` exports it for
Prometheus. The default, :data:`NO_METRICS`, does nothing, so tests and scripted runs need
no exporter.

Every label value passed here is from a bounded set: a registered verb (else
"unknown"), an outbox kind, a platform's key, a scope's kind. Never a user id or text.
"""

from __future__ import annotations

from typing import Protocol


class Metrics(Protocol):
    def command_handled(self, verb: str, outcome: str, seconds: float) -> None:
        """A command ran: ``outcome`` is "ok", "refused" (told why) or "error"."""

    def dialog(self, event: str) -> None:
        """A dialog "started", "finished" or "abandoned"."""

    def nudges_claimed(self, kind: str, count: int) -> None:
        """``count`` due items of ``kind`` were claimed by the dispatcher."""

    def delivery(self, kind: str, messenger: str, outcome: str) -> None:
        """An outbox row's attempt ended: "sent", "failed" (retried later), "given_up"."""

    def delivery_latency(self, messenger: str, seconds: float) -> None:
        """From the moment a row was due to the moment it was sent."""

    def rate_limited(self, messenger: str, scope: str) -> None:
        """A 429 paused a scope (``scope`` is its kind: bot, workspace, conversation…)."""

    def pacer_waited(self, messenger: str, seconds: float) -> None:
        """A send waited ``seconds`` for its paced slot."""


class NoMetrics:
    def command_handled(self, verb: str, outcome: str, seconds: float) -> None:
        pass

    def dialog(self, event: str) -> None:
        pass

    def nudges_claimed(self, kind: str, count: int) -> None:
        pass

    def delivery(self, kind: str, messenger: str, outcome: str) -> None:
        pass

    def delivery_latency(self, messenger: str, seconds: float) -> None:
        pass

    def rate_limited(self, messenger: str, scope: str) -> None:
        pass

    def pacer_waited(self, messenger: str, seconds: float) -> None:
        pass


NO_METRICS: Metrics = NoMetrics()
