"""Request counts and latencies for `GET /metrics`, in the Prometheus text format.

Labels are the method, the route template (never the raw path: an entity id can name a
person) and the status code, so the number of series stays bounded.
"""

import bisect
import threading
from collections.abc import Iterable

# seconds; the upper bounds of the latency histogram
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
Labels = tuple[str, str, str]


class RequestMetrics:
    """Thread-safe counters of the requests served, by method, route and status."""

    def __init__(self) -> None:
        self._counts: dict[Labels, list[int]] = {}  # per bucket, then +Inf
        self._sums: dict[Labels, float] = {}
        self._lock = threading.Lock()

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one request and its duration."""
        labels = (method, route, str(status))
        slot = bisect.bisect_left(BUCKETS, seconds)
        with self._lock:
            counts = self._counts.setdefault(labels, [0] * (len(BUCKETS) + 1))
            counts[slot] += 1
            self._sums[labels] = self._sums.get(labels, 0.0) + seconds

    def lines(self) -> list[str]:
        """The request counter and the latency histogram as exposition lines."""
        with self._lock:
            snapshot = {k: (list(v), self._sums[k]) for k, v in self._counts.items()}
        out = [
            "# HELP matcher_http_requests_total Requests answered, by method, route and status.",
            "# TYPE matcher_http_requests_total counter",
        ]
        for labels, (counts, _) in sorted(snapshot.items()):
            out.append(f"matcher_http_requests_total{{{_labels(labels)}}} {sum(counts)}")
        out += [
            "# HELP matcher_http_request_duration_seconds Time from request to response.",
            "# TYPE matcher_http_request_duration_seconds histogram",
        ]
        for labels, (counts, total) in sorted(snapshot.items()):
            out += _histogram(labels, counts, total)
        return out


def _histogram(labels: Labels, counts: list[int], total: float) -> list[str]:
    name = "matcher_http_request_duration_seconds"
    base = _labels(labels)
    out, running = [], 0
    for bound, count in zip((*map(str, BUCKETS), "+Inf"), counts, strict=True):
        running += count
        out.append(f'{name}_bucket{{{base},le="{bound}"}} {running}')
    out.append(f"{name}_sum{{{base}}} {total:.6f}")
    out.append(f"{name}_count{{{base}}} {running}")
    return out


def _labels(labels: Labels) -> str:
    method, route, status = (_escape(v) for v in labels)
    return f'method="{method}",route="{route}",status="{status}"'


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def gauge(name: str, help_text: str, values: Iterable[tuple[str, float]]) -> list[str]:
    """One gauge; each value is (label text or "", number)."""
    out = [f"# HELP {name} {help_text}", f"# TYPE {name} gauge"]
    for labels, value in values:
        out.append(f"{name}{{{labels}}} {value:g}" if labels else f"{name} {value:g}")
    return out
