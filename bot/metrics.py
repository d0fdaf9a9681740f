"""What operators can measure: every Prometheus metric Needle keeps, in one registry.

One `Metrics` is made at start with a `CollectorRegistry` of its own and handed to the engine,
the bridge, the scheduler and the adapters' HTTP clients; nothing is registered in
prometheus-client's global registry, so each test (and each process) sees only its own
numbers. `exposition` renders the registry in Prometheus' text format for `/metrics`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

# Seconds: from a millisecond to past Slack's 3-second answer budget.
LATENCY_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0)
# A tick takes milliseconds when nothing is due and seconds in a fan-out of thousands.
TICK_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
CONTENT_TYPE = CONTENT_TYPE_LATEST


class Metrics:
    """Needle's counters, histograms and gauges, registered in `registry`."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        r = self.registry
        self.deliveries_due = Counter(
            "needle_deliveries_due",
            "Scheduled deliveries found due by a tick (one that waits is found again each tick)",
            ["kind"],
            registry=r,
        )
        self.deliveries_sent = Counter(
            "needle_deliveries_sent",
            "Scheduled deliveries handed to a platform",
            ["kind"],
            registry=r,
        )
        self.deliveries_failed = Counter(
            "needle_deliveries_failed",
            "Scheduled deliveries failed for good (after their retries, or permanently)",
            ["kind"],
            registry=r,
        )
        self.deliveries_deferred = Counter(
            "needle_deliveries_deferred",
            "Scheduled deliveries left for a later tick: the member was mid-conversation",
            ["kind"],
            registry=r,
        )
        self.platform_calls = Counter(
            "needle_platform_calls",
            "HTTP calls to a chat platform's API (each retry counts)",
            ["platform", "method"],
            registry=r,
        )
        self.platform_rate_limited = Counter(
            "needle_platform_rate_limited",
            "Calls a chat platform answered with 429 Too Many Requests",
            ["platform", "method"],
            registry=r,
        )
        self.event_ack_seconds = Histogram(
            "needle_event_ack_seconds",
            "From accepting an event that the platform waits on to answering or deferring it",
            ["platform"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.engine_seconds = Histogram(
            "needle_engine_seconds",
            "Time the engine takes to answer one Incoming",
            ["kind"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.tick_seconds = Histogram(
            "needle_scheduler_tick_seconds",
            "Duration of one scheduler tick (finding, claiming, sending, recording)",
            buckets=TICK_BUCKETS,
            registry=r,
        )
        self.bridge_queue_depth = Gauge(
            "needle_bridge_queue_depth",
            "Events accepted from a platform and not finished yet",
            ["platform"],
            registry=r,
        )

    def count_deliveries(
        self,
        *,
        due: Mapping[str, int],
        sent: Mapping[str, int],
        failed: Mapping[str, int],
        deferred: Mapping[str, int],
    ) -> None:
        """Add one tick's deliveries, each by kind."""
        for counter, counts in (
            (self.deliveries_due, due),
            (self.deliveries_sent, sent),
            (self.deliveries_failed, failed),
            (self.deliveries_deferred, deferred),
        ):
            for kind, count in counts.items():
                counter.labels(str(kind)).inc(count)

    def count_platform_call(self, platform: str, method: str, status: int) -> None:
        """One HTTP call to a platform's API and the status it got."""
        self.platform_calls.labels(platform, method).inc()
        if status == 429:
            self.platform_rate_limited.labels(platform, method).inc()

    def watch_queue(self, platform: str, depth: Callable[[], float]) -> None:
        """Read a platform's bridge queue depth from `depth` at every scrape."""
        self.bridge_queue_depth.labels(platform).set_function(depth)

    def exposition(self) -> bytes:
        """The registry in Prometheus' text exposition format."""
        return generate_latest(self.registry)
