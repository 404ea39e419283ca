"""`GET /metrics` through prometheus_client: requests by route and status with their latencies,
the catalogue size, readiness, the version, and the process and garbage-collector metrics.

Labels are the method, the route template (never the raw path: an entity id can name a
person) and the status code, so the number of series stays bounded. Each app has a registry of
its own. With PROMETHEUS_MULTIPROC_DIR set (several worker processes), the request metrics of
every worker are read from that folder and added up.
"""

import os
from collections.abc import Callable, Iterator

from prometheus_client import (
    CollectorRegistry,
    Counter,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    disable_created_metrics,
    multiprocess,
)
from prometheus_client.exposition import choose_encoder
from prometheus_client.metrics_core import GaugeMetricFamily, InfoMetricFamily, Metric
from prometheus_client.registry import Collector

disable_created_metrics()

# seconds; the upper bounds of the latency histogram
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
LABELS = ("method", "route", "status")


class CatalogueCollector(Collector):
    """The version, readiness and the catalogue size, read when scraped."""

    def __init__(
        self, version: str, ready: Callable[[], bool], counts: Callable[[], dict[str, int]]
    ) -> None:
        self.version = version
        self.ready = ready
        self.counts = counts

    def collect(self) -> Iterator[Metric]:
        """The gauges as they are now."""
        yield InfoMetricFamily("matcher", "The running version.", value={"version": self.version})
        yield GaugeMetricFamily(
            "matcher_ready", "1 when an index is loaded and needs are answered.",
            value=int(self.ready()),
        )  # fmt: skip
        entities = GaugeMetricFamily(
            "matcher_entities", "Entities stored, by kind.", labels=["kind"]
        )
        for kind, n in sorted(self.counts().items()):
            entities.add_metric([kind], n)
        yield entities


class RequestMetrics:
    """The app's registry: request counter and latency histogram, version, process metrics."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self._watched: list[Collector] = []
        self._requests = Counter(
            "matcher_http_requests", "Requests answered, by method, route and status.",
            LABELS, registry=self.registry,
        )  # fmt: skip
        self._latency = Histogram(
            "matcher_http_request_duration_seconds", "Time from request to response.",
            LABELS, buckets=BUCKETS, registry=self.registry,
        )  # fmt: skip
        ProcessCollector(registry=self.registry)
        GCCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one request and its duration."""
        labels = (method, route, str(status))
        self._requests.labels(*labels).inc()
        self._latency.labels(*labels).observe(seconds)

    def watch(self, collector: Collector) -> None:
        """Add a collector whose values are read when scraped."""
        self.registry.register(collector)
        self._watched.append(collector)

    def exposition(self, accept: str = "") -> tuple[bytes, str]:
        """The metrics in the format the Accept header asks for (OpenMetrics or Prometheus
        text), with its content type."""
        encode, content_type = choose_encoder(accept)
        registry = self.registry
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            for collector in self._watched:
                registry.register(collector)
        return encode(registry), content_type
