"""Prometheus metrics, one registry per app (tests build many apps in one process).

Routes are labelled by their template (`/api/datasets/{key}`), never the raw path, so a
scan of random URLs cannot blow up the number of series.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend.jobs.models import ExportJobRow
from backend.services.admission import Admission, Priority

if TYPE_CHECKING:
    from backend.wiring import AppContext

_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "aurora_http_requests", "HTTP requests", ["route", "method", "status"], registry=r
        )
        self.errors = Counter(
            "aurora_http_errors",
            "HTTP responses with status >= 400",
            ["route", "status"],
            registry=r,
        )
        self.duration = Histogram(
            "aurora_http_request_seconds",
            "HTTP request duration",
            ["route"],
            buckets=_BUCKETS,
            registry=r,
        )
        self.query_seconds = Histogram(
            "aurora_query_seconds",
            "Query duration per dataset",
            ["dataset", "status"],
            buckets=_BUCKETS,
            registry=r,
        )
        self.cache = Counter(
            "aurora_cache_lookups", "Cache lookups", ["cache", "result"], registry=r
        )
        self.queue_depth = Gauge(
            "aurora_query_queue_depth", "Queries running or waiting for a worker", registry=r
        )
        self.queue_waiting = Gauge(
            "aurora_query_queue_waiting", "Queries waiting for a worker", ["priority"], registry=r
        )
        self.queue_running = Gauge(
            "aurora_query_queue_running", "Queries holding a worker", registry=r
        )
        self.queue_wait = Histogram(
            "aurora_query_queue_wait_seconds",
            "Time a query waited for a worker, by how its wait ended",
            ["priority", "outcome"],
            buckets=_BUCKETS,
            registry=r,
        )

    def watch_queue(self, depth: Callable[[], int]) -> None:
        self.queue_depth.set_function(lambda: float(depth()))

    def watch_admission(self, admission: Admission) -> None:
        for priority in Priority:
            gauge = self.queue_waiting.labels(priority.name.lower())
            gauge.set_function(functools.partial(_waiting, admission, priority))
        self.queue_running.set_function(lambda: float(admission.running))

        def waited(priority: Priority, outcome: str, seconds: float) -> None:
            self.queue_wait.labels(priority.name.lower(), outcome).observe(seconds)

        admission.observe(waited)

    def add_collector(self, collector: Collector) -> None:
        self.registry.register(collector)


def _waiting(admission: Admission, priority: Priority) -> float:
    return float(admission.waiting(priority))


class CountsCollector(Collector):
    """A gauge family read at scrape time, e.g. export jobs by state from the store."""

    def __init__(self, name: str, doc: str, label: str, read: Callable[[], dict[str, int]]):
        self._name, self._doc, self._label, self._read = name, doc, label, read

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(self._name, self._doc, labels=[self._label])
        for value, count in sorted(self._read().items()):
            family.add_metric([value], count)
        yield family


def _route_of(scope: Scope) -> str:
    """FastAPI 0.165 keeps included routers as branches: the route in the scope has the
    path relative to its router; the effective context has the full template."""
    context = scope.get("fastapi", {}).get("effective_route_context")
    route = scope.get("route")
    path = getattr(context, "path_format", None) or getattr(route, "path_format", None)
    return str(path) if path else "unmatched"


class MetricsMiddleware:
    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            self._observe(scope, status, time.perf_counter() - started)

    def _observe(self, scope: Scope, status: int, seconds: float) -> None:
        route = _route_of(scope)
        self.metrics.requests.labels(route, scope.get("method", ""), str(status)).inc()
        self.metrics.duration.labels(route).observe(seconds)
        if status >= 400:
            self.metrics.errors.labels(route, str(status)).inc()


def watch_app(metrics: Metrics, context: AppContext) -> None:
    """After start-up: gauges that read the running services at scrape time."""
    executor = context.services.executor
    context.services.queries.results.observe(metrics.cache)
    metrics.watch_queue(lambda: executor.in_flight)
    metrics.watch_admission(executor.admission)
    store = context.store

    def jobs_by_state() -> dict[str, int]:
        with store.session() as session:
            rows = session.execute(
                select(ExportJobRow.status, func.count()).group_by(ExportJobRow.status)
            )
            return {str(status): int(n) for status, n in rows}

    metrics.add_collector(
        CountsCollector("aurora_export_jobs", "Export jobs by state", "state", jobs_by_state)
    )
    metrics.add_collector(
        CountsCollector(
            "aurora_cache_bytes",
            "Bytes each in-process cache of this API process holds (each has a bound)",
            "cache",
            context.services.queries.cache_bytes,
        )
    )
