"""tracing.span: with no exporter configured, nothing but the non-recording span (no span made, no
trace context read, the current context unchanged); with one, a span continuing the carrier's trace."""

from __future__ import annotations

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from services.common import tracing

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
CARRIER = {"traceparent": f"00-{TRACE_ID}-00f067aa0ba902b7-01"}


@pytest.fixture
def exported() -> tuple[trace.Tracer, InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider.get_tracer("test"), exporter


def test_with_tracing_off_no_span_is_made_and_the_carriers_trace_is_not_read(exported):
    tracer, exporter = exported
    with tracing.span(tracer, "render job", carrier=CARRIER, kind=trace.SpanKind.CONSUMER) as span:
        assert span is trace.INVALID_SPAN
        assert trace.get_current_span() is trace.INVALID_SPAN
        span.set_attribute("llm.attempt", 1)  # callers set attributes either way
    assert exporter.get_finished_spans() == ()


def test_with_tracing_on_the_span_continues_the_carriers_trace(exported, monkeypatch):
    tracer, exporter = exported
    monkeypatch.setattr(tracing, "_configured", True)
    with tracing.span(tracer, "render job", carrier=CARRIER, kind=trace.SpanKind.CONSUMER) as span:
        assert trace.get_current_span() is span
        with tracing.span(tracer, "llm.call"):
            pass
    finished = {s.name: s for s in exporter.get_finished_spans()}
    assert set(finished) == {"render job", "llm.call"}
    assert format(finished["render job"].context.trace_id, "032x") == TRACE_ID
    assert finished["render job"].kind == trace.SpanKind.CONSUMER
    assert finished["llm.call"].parent is not None
    assert finished["llm.call"].parent.span_id == finished["render job"].context.span_id
