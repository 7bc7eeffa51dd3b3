"""Request metrics and a trace span per request. The metrics are served on the process's metrics
port (REPORTS_METRICS_PORT, services/common/runtime.py), never on the public API port."""

from __future__ import annotations

import time

from opentelemetry import trace
from prometheus_client import Counter, Histogram
from starlette.types import Message, Receive, Scope, Send

from services.common import context, tracing
from services.gateway.http_middleware import HttpMiddleware

HTTP_REQUESTS = Counter(
    "http_requests_total", "HTTP requests, by route, method and status", ["route", "method", "status"]
)
HTTP_SECONDS = Histogram(
    "http_request_duration_seconds",
    "Time to answer an HTTP request (SSE: to the headers)",
    ["route", "method"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
_tracer = tracing.tracer("reports.gateway")


class TelemetryMiddleware(HttpMiddleware):
    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        status = 500
        request_id = scope.get("state", {}).get("request_id")

        async def observed_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                route = scope.get("route")
                name = getattr(route, "path", "unmatched")
                HTTP_SECONDS.labels(name, scope["method"]).observe(time.perf_counter() - started)
                HTTP_REQUESTS.labels(name, scope["method"], str(status)).inc()
            await send(message)

        # the request's headers are read for a trace context only when traces are exported
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]} if tracing.enabled() else None
        with (
            context.bound(request_id=request_id),
            tracing.span(
                _tracer, f"{scope['method']} {scope['path']}", carrier=headers, kind=trace.SpanKind.SERVER
            ) as span,
        ):
            await self.app(scope, receive, observed_send)
            span.set_attribute("http.status_code", status)
