"""gRPC interceptors that give every call metrics, a trace span and the caller's context.

Servers count calls by method and status code, time them, read the caller's request id, tenant,
job id and trace context from metadata, and open a span. Clients pass the same along. Without a
configured tracer (`tracing.enabled()` false) no span is made and no trace context is read or
sent: a call then costs the context fields and two metric updates, on handlers and metric
children made once per method.
"""

from __future__ import annotations

import time
from typing import Any

import grpc
from opentelemetry import trace
from prometheus_client import Counter, Histogram

from services.common import context, tracing
from services.common.method_wrapper import MethodWrapper

GRPC_HANDLED = Counter(
    "grpc_server_handled_total", "gRPC calls served, by method and status code", ["service", "method", "code"]
)
GRPC_SECONDS = Histogram(
    "grpc_server_handling_seconds",
    "Time to serve a gRPC call",
    ["service", "method"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
GRPC_CLIENT = Counter("grpc_client_handled_total", "gRPC calls made, by method and status code", ["method", "code"])
_tracer = tracing.tracer("reports.grpc")


def _split(full_method: str) -> tuple[str, str]:
    _, service, method = full_method.split("/", 2)
    return service.rsplit(".", 1)[-1], method


class ServerInterceptor(MethodWrapper):
    """Spans only when tracing is configured."""

    def wrap(self, method: str, handler: Any) -> Any:
        return _observed(method, handler)


def _observed(full_method: str, handler: Any) -> Any:
    if handler is None or handler.unary_unary is None:
        return handler
    service, method = _split(full_method)
    if service == "Health" or service.startswith("ServerReflection"):
        return handler
    inner = handler.unary_unary
    seconds = GRPC_SECONDS.labels(service, method)
    handled: dict[str, Any] = {}

    async def observed(request: Any, ctx: grpc.aio.ServicerContext[Any, Any]) -> Any:
        started = time.perf_counter()
        code = "OK"
        metadata = ctx.invocation_metadata() or ()
        try:
            with context.bound(**context.from_pairs(metadata)):
                if not tracing.enabled():
                    return await inner(request, ctx)
                with _tracer.start_as_current_span(
                    f"{service}/{method}",
                    kind=trace.SpanKind.SERVER,
                    context=tracing.extract({k: v for k, v in metadata if isinstance(v, str)}),
                ):
                    return await inner(request, ctx)
        except BaseException:
            code = ctx.code().name if ctx.code() is not None else "UNKNOWN"
            raise
        finally:
            counter = handled.get(code)
            if counter is None:
                counter = handled[code] = GRPC_HANDLED.labels(service, method, code)
            counter.inc()
            seconds.observe(time.perf_counter() - started)

    return grpc.unary_unary_rpc_method_handler(
        observed, request_deserializer=handler.request_deserializer, response_serializer=handler.response_serializer
    )


class ClientInterceptor(grpc.aio.UnaryUnaryClientInterceptor):
    def __init__(self) -> None:
        self._handled: dict[tuple[str, str], Any] = {}  # (method, code) -> its counter

    async def intercept_unary_unary(self, continuation: Any, details: grpc.aio.ClientCallDetails, request: Any) -> Any:
        added = context.metadata()
        if tracing.enabled():
            carrier: dict[str, str] = {}
            tracing.inject(carrier)
            added += carrier.items()
        if added:
            metadata = list(details.metadata or ())
            present = {k for k, _ in metadata}
            metadata += [(k, v) for k, v in added if k not in present]
            details = grpc.aio.ClientCallDetails(
                details.method,
                details.timeout,
                grpc.aio.Metadata.from_tuple(metadata),
                details.credentials,
                details.wait_for_ready,
            )
        call = await continuation(details, request)
        try:
            await call
            code = "OK"
        except grpc.aio.AioRpcError as exc:
            code = exc.code().name
        counter = self._handled.get((details.method, code))
        if counter is None:
            method = _text(details.method)
            counter = self._handled[(details.method, code)] = GRPC_CLIENT.labels(method.rsplit("/", 1)[-1], code)
        counter.inc()
        return call


def _text(method: str | bytes) -> str:
    """grpc.aio hands interceptors the method name as bytes, though its type stubs say str."""
    return method.decode() if isinstance(method, bytes) else method


def start_metrics_server(port: int, host: str = "127.0.0.1") -> int:
    """Prometheus metrics on their own port (0 picks a free one); returns the port."""
    from prometheus_client import start_http_server

    server, _thread = start_http_server(port, addr=host)
    return int(server.server_port)
