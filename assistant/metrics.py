"""Prometheus metrics of the HTTP API, kept in memory and written in the text exposition format by hand
(no ``prometheus_client`` needed). Thread-safe: request handlers run on a thread pool.

- ``assistant_http_requests_total{path, method, status}``: requests answered, by route and status;
- ``assistant_http_request_duration_seconds{path}``: a latency histogram per route;
- ``assistant_answers_total{kind}``: answers given, by kind (``faq``, ``calculation``, ``no_answer``).
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Iterable

# Seconds; an answer takes ~20 ms warm, a cold or overloaded one seconds.
LATENCY_BUCKETS: tuple[float, ...] = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def _escape(value: str) -> str:
    """A label value escaped as the exposition format requires."""
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(pairs: Iterable[tuple[str, str]]) -> str:
    inner = ",".join(f'{name}="{_escape(value)}"' for name, value in pairs)
    return "{" + inner + "}" if inner else ""


def _number(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value)) if not float(value).is_integer() else str(int(value))


class Metrics:
    """Counters and a latency histogram of one API process."""

    def __init__(self, buckets: tuple[float, ...] = LATENCY_BUCKETS) -> None:
        if list(buckets) != sorted(buckets) or not buckets:
            raise ValueError(f"histogram buckets must be ascending and non-empty, got {buckets!r}")
        self._lock = threading.Lock()
        self._buckets = buckets
        self._requests: Counter[tuple[str, str, str]] = Counter()
        self._answers: Counter[str] = Counter()
        # path -> (count per bucket, not cumulative; last slot is +Inf), sum, count
        self._latency: dict[str, tuple[list[int], float, int]] = {}

    def observe_request(self, path: str, method: str, status: int, seconds: float) -> None:
        """Count one answered request and its latency."""
        with self._lock:
            self._requests[(path, method, str(status))] += 1
            counts, total, n = self._latency.get(path, ([0] * (len(self._buckets) + 1), 0.0, 0))
            slot = next((i for i, bound in enumerate(self._buckets) if seconds <= bound), len(self._buckets))
            counts[slot] += 1
            self._latency[path] = (counts, total + seconds, n + 1)

    def observe_answer(self, kind: str) -> None:
        """Count one answer of ``kind``."""
        with self._lock:
            self._answers[kind] += 1

    def requests(self, path: str, status: int | None = None) -> int:
        """Requests counted for ``path`` (with ``status`` when given): for tests and the health page."""
        with self._lock:
            return sum(
                n for (p, _, s), n in self._requests.items() if p == path and (status is None or s == str(status))
            )

    def render(self) -> str:
        """The metrics in the Prometheus text exposition format (version 0.0.4)."""
        lines: list[str] = []
        with self._lock:
            lines += [
                "# HELP assistant_http_requests_total HTTP requests answered, by route, method and status.",
                "# TYPE assistant_http_requests_total counter",
            ]
            for (path, method, status), n in sorted(self._requests.items()):
                labels = _labels((("path", path), ("method", method), ("status", status)))
                lines.append(f"assistant_http_requests_total{labels} {n}")
            lines += [
                "# HELP assistant_http_request_duration_seconds Time to answer an HTTP request, by route.",
                "# TYPE assistant_http_request_duration_seconds histogram",
            ]
            for path, (counts, total, n) in sorted(self._latency.items()):
                cumulative = 0
                for bound, count in zip((*self._buckets, math.inf), counts):
                    cumulative += count
                    labels = _labels((("path", path), ("le", _number(bound))))
                    lines.append(f"assistant_http_request_duration_seconds_bucket{labels} {cumulative}")
                base = _labels((("path", path),))
                lines.append(f"assistant_http_request_duration_seconds_sum{base} {total!r}")
                lines.append(f"assistant_http_request_duration_seconds_count{base} {n}")
            lines += [
                "# HELP assistant_answers_total Answers given, by kind.",
                "# TYPE assistant_answers_total counter",
            ]
            for kind, n in sorted(self._answers.items()):
                lines.append(f"assistant_answers_total{_labels((('kind', kind),))} {n}")
        return "\n".join(lines) + "\n"


__all__ = ["LATENCY_BUCKETS", "Metrics"]
