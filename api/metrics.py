"""Prometheus metrics: latency, jobs by state, queue depths, samples done, worker restarts.

Job figures are read from the job store at scrape time, so they are right across every API
replica and worker process; latency is measured per API process.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterator

from fastapi import FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from service.jobs.inline import InlineBatcher
from service.jobs.local_executor import LocalExecutor
from service.jobs.records import JobStatus
from service.jobs.store import JobStore

__all__ = ["install_metrics"]


class _ServiceCollector(Collector):
    def __init__(self, app: FastAPI) -> None:
        self.app = app

    def collect(self) -> Iterator[Metric]:
        store: JobStore = self.app.state.store
        batcher: InlineBatcher = self.app.state.batcher
        counts = store.counts()
        jobs = GaugeMetricFamily("qsdiff_jobs", "Jobs by status.", labels=["status"])
        for status, n in counts.items():
            jobs.add_metric([status.value], n)
        yield jobs
        yield GaugeMetricFamily(
            "qsdiff_queue_depth", "Jobs waiting for a worker.", value=counts[JobStatus.QUEUED]
        )
        yield CounterMetricFamily(
            "qsdiff_samples_completed",
            "Samples of succeeded jobs (rate() gives samples per second).",
            value=store.samples_completed(),
        )
        yield GaugeMetricFamily(
            "qsdiff_inline_queue_depth", "Inline requests waiting.", value=batcher.depth()
        )
        yield CounterMetricFamily(
            "qsdiff_inline_samples_completed",
            "Samples of answered inline requests, this API process.",
            value=batcher.samples_completed,
        )
        executor = self.app.state.executor
        if isinstance(executor, LocalExecutor):  # Ray restarts its actors unseen by us
            yield CounterMetricFamily(
                "qsdiff_worker_restarts",
                "Embedded worker processes restarted after dying (a crash, out of memory).",
                value=executor.restarts,
            )


def install_metrics(app: FastAPI) -> None:
    """Add the latency middleware and ``GET /metrics``."""
    registry = CollectorRegistry()
    latency = Histogram(
        "qsdiff_request_seconds",
        "HTTP request latency.",
        ["method", "route", "status"],
        registry=registry,
        buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
    )
    registry.register(_ServiceCollector(app))

    @app.middleware("http")
    async def _time_requests(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        start = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        path = getattr(route, "path", "unmatched")
        latency.labels(request.method, path, str(response.status_code)).observe(
            time.perf_counter() - start
        )
        return response

    @app.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
