"""Prometheus metrics: latency, jobs by state, queue depths, samples done, worker restarts.

Job figures are read from the job store at scrape time, so they are right across every API
replica and worker process; latency is measured per API process.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

from fastapi import Depends, FastAPI, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.deps import key_unless_public
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


class _Latency:
    """ASGI middleware: each request's latency by method, route and status.

    Plain ASGI rather than ``@app.middleware("http")``, whose task groups would wrap errors
    raised while a route reads its body (the body limit's 413) into exception groups.
    """

    def __init__(self, app: ASGIApp, histogram: Histogram) -> None:
        self.app, self.histogram = app, histogram

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start, status = time.perf_counter(), 500

        async def send_noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_noting_status)
        finally:
            path = getattr(scope.get("route"), "path", "unmatched")
            self.histogram.labels(scope["method"], path, str(status)).observe(
                time.perf_counter() - start
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
    app.add_middleware(_Latency, histogram=latency)

    @app.get(
        "/metrics",
        include_in_schema=False,
        dependencies=[Depends(key_unless_public("metrics_public"))],
    )
    def metrics() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
