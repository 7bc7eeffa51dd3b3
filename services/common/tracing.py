"""OpenTelemetry traces, exported only when an OTLP endpoint is configured.

Without `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) nothing is set up
and `enabled()` is false: the gRPC interceptors then make no spans and carry no trace context
(a non-recording span and a `traceparent` round trip still cost a few allocations per call). Context crosses
processes as W3C `traceparent` in gRPC metadata and NATS headers.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping, MutableMapping

from opentelemetry import propagate, trace
from opentelemetry.context import Context

_configured = False


def configure(service: str, environ: Mapping[str, str] | None = None) -> bool:
    """Installs an exporting tracer provider when an endpoint is set; True when it did."""
    global _configured
    if _configured or not wanted(os.environ if environ is None else environ):
        return False
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = TracerProvider(resource=Resource.create({"service.name": f"reports-{service}"}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(), schedule_delay_millis=500))
    trace.set_tracer_provider(provider)
    _configured = True
    return True


def wanted(environ: Mapping[str, str]) -> bool:
    """Whether an OTLP endpoint is configured."""
    return bool(environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"))


def enabled() -> bool:
    """Whether this process exports traces; when not, callers skip span and context work."""
    return _configured


def shutdown() -> None:
    provider = trace.get_tracer_provider()
    if hasattr(provider, "shutdown"):
        provider.shutdown()


def tracer(name: str) -> trace.Tracer:
    return trace.get_tracer(name)


def span(
    tracer: trace.Tracer,
    name: str,
    *,
    carrier: Mapping[str, str] | None = None,
    kind: trace.SpanKind = trace.SpanKind.INTERNAL,
) -> contextlib.AbstractContextManager[trace.Span]:
    """A span made current, continuing the trace `carrier`'s headers name, if any; when this process
    exports no traces, the non-recording span and nothing else (no span object, no context change)."""
    if not _configured:
        return contextlib.nullcontext(trace.INVALID_SPAN)
    return tracer.start_as_current_span(name, context=None if carrier is None else extract(carrier), kind=kind)


def inject(carrier: MutableMapping[str, str]) -> MutableMapping[str, str]:
    """Adds the current trace context (`traceparent`) to headers or metadata."""
    propagate.inject(carrier)
    return carrier


def extract(carrier: Mapping[str, str]) -> Context:
    return propagate.extract(carrier)
