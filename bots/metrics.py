"""The core's metrics port (core.metrics) exported for Prometheus, on a registry of the
app's own (never the process-global one: two apps in one test process stay apart).

Counters end in ``_total``, durations are in seconds, and every label value comes from a
bounded set (verbs from the registry, outbox kinds, messenger keys, scope kinds).
Gauges that describe the database are read at scrape time (:meth:`PrometheusMetrics.observe`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from storage.operations import Snapshot

__all__ = ["CONTENT_TYPE_LATEST", "PrometheusMetrics"]

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
DELIVERY_BUCKETS = (0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0, 4 * 3600.0)


class PrometheusMetrics:
    """Implements :class:`core.metrics.Metrics`."""

    def __init__(self, known_verbs: Iterable[str] = ()) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._verbs = frozenset(known_verbs)
        r = self.registry
        self.commands = Counter(
            "mentorhub_commands_total", "Commands handled", ["verb", "outcome"], registry=r
        )
        self.command_seconds = Histogram(
            "mentorhub_command_duration_seconds",
            "Time to handle a command",
            ["verb"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.dialogs = Counter(
            "mentorhub_dialogs_total", "Dialogs started, finished, abandoned", ["event"], registry=r
        )
        self.claimed = Counter(
            "mentorhub_nudges_claimed_total", "Due items claimed", ["kind"], registry=r
        )
        self.deliveries = Counter(
            "mentorhub_deliveries_total",
            "Outbox attempts by outcome: sent, failed (retried), given_up",
            ["kind", "messenger", "outcome"],
            registry=r,
        )
        self.delivery_seconds = Histogram(
            "mentorhub_delivery_latency_seconds",
            "From due to sent",
            ["messenger"],
            buckets=DELIVERY_BUCKETS,
            registry=r,
        )
        self.rate_limits = Counter(
            "mentorhub_rate_limited_total",
            "429s that paused a scope, by its kind",
            ["messenger", "scope"],
            registry=r,
        )
        self.pacer_waits = Counter(
            "mentorhub_pacer_waits_total",
            "Waits for a paced slot (a send may wait twice)",
            ["messenger"],
            registry=r,
        )
        self.pacer_wait_seconds = Counter(
            "mentorhub_pacer_wait_seconds_total", "Time sends waited for paced slots",
            ["messenger"], registry=r,
        )  # fmt: skip
        self.nudges_due = Gauge(
            "mentorhub_nudges_due", "Due items due now, not yet claimed", ["kind"], registry=r
        )
        self.outbox_pending = Gauge(
            "mentorhub_outbox_pending", "Outbox rows waiting to be sent", registry=r
        )
        self.outbox_oldest_age = Gauge(
            "mentorhub_outbox_oldest_age_seconds",
            "How long the longest-waiting due outbox row has been due (0: none)",
            registry=r,
        )
        self.programs = Gauge("mentorhub_active_programs", "Programs not ended", registry=r)
        self.pairs = Gauge("mentorhub_open_pairs", "Pairs agreeing, active or paused", registry=r)
        self.people = Gauge("mentorhub_active_people", "People actively enrolled", registry=r)
        self.lease_held = Gauge(
            "mentorhub_receiver_lease_held",
            "1 when this worker holds the receiving connection (PostgreSQL, several workers)",
            ["receiver"],
            registry=r,
        )
        self.ready = Gauge("mentorhub_ready", "1 when /readyz answers 200", registry=r)
        self.scrape_errors = Counter(
            "mentorhub_scrape_database_errors_total",
            "Scrapes whose database gauges could not be read",
            registry=r,
        )

    # --- core.metrics.Metrics --------------------------------------------------------------

    def command_handled(self, verb: str, outcome: str, seconds: float) -> None:
        verb = verb if verb in self._verbs else "unknown"
        self.commands.labels(verb, outcome).inc()
        self.command_seconds.labels(verb).observe(seconds)

    def dialog(self, event: str) -> None:
        self.dialogs.labels(event).inc()

    def nudges_claimed(self, kind: str, count: int) -> None:
        self.claimed.labels(kind).inc(count)

    def delivery(self, kind: str, messenger: str, outcome: str) -> None:
        self.deliveries.labels(kind, messenger, outcome).inc()

    def delivery_latency(self, messenger: str, seconds: float) -> None:
        self.delivery_seconds.labels(messenger).observe(max(0.0, seconds))

    def rate_limited(self, messenger: str, scope: str) -> None:
        self.rate_limits.labels(messenger, scope).inc()

    def pacer_waited(self, messenger: str, seconds: float) -> None:
        self.pacer_waits.labels(messenger).inc()
        self.pacer_wait_seconds.labels(messenger).inc(seconds)

    # --- read at scrape time ---------------------------------------------------------------

    def observe(self, found: Snapshot, now: datetime) -> None:
        self.outbox_pending.set(found.outbox_pending)
        oldest = found.outbox_oldest_due
        age = (now - oldest).total_seconds() if oldest is not None else 0.0
        self.outbox_oldest_age.set(max(0.0, age))
        self.nudges_due.clear()
        for kind, count in found.due_now.items():
            self.nudges_due.labels(kind).set(count)
        self.programs.set(found.active_programs)
        self.pairs.set(found.open_pairs)
        self.people.set(found.active_people)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
