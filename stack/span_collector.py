"""An OTLP/HTTP trace collector in this process: the spans a platform's services export to it
(`OTEL_EXPORTER_OTLP_ENDPOINT=collector.endpoint`), for the tests and the bench that read them."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import NamedTuple

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest


class Span(NamedTuple):
    service: str
    name: str
    trace_id: str
    start_ns: int  # since the epoch
    end_ns: int
    span_id: str = ""
    parent_id: str = ""  # "" for a trace's root


class SpanCollector:
    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        self.spans: list[Span] = []
        self.arrived = threading.Condition()

    def wait_for(self, predicate: Callable[[list[Span]], bool], timeout: float) -> bool:
        """Whether `predicate(spans)` came true within `timeout` (each service exports its spans
        in batches of its own, every few seconds)."""
        with self.arrived:
            return self.arrived.wait_for(lambda: predicate(self.spans), timeout)

    def snapshot(self) -> list[Span]:
        with self.arrived:
            return list(self.spans)

    def _add(self, request: ExportTraceServiceRequest) -> None:
        with self.arrived:
            for resource in request.resource_spans:
                service = next(a.value.string_value for a in resource.resource.attributes if a.key == "service.name")
                for scope in resource.scope_spans:
                    for s in scope.spans:
                        self.spans.append(
                            Span(
                                service,
                                s.name,
                                s.trace_id.hex(),
                                s.start_time_unix_nano,
                                s.end_time_unix_nano,
                                s.span_id.hex(),
                                s.parent_span_id.hex(),
                            )
                        )
            self.arrived.notify_all()


@contextmanager
def span_collector() -> Iterator[SpanCollector]:
    """A collector listening on 127.0.0.1 until the block ends."""
    holder: list[SpanCollector] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            holder[0]._add(ExportTraceServiceRequest.FromString(self.rfile.read(int(self.headers["content-length"]))))
            self.send_response(200)
            self.send_header("content-type", "application/x-protobuf")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    holder.append(SpanCollector(f"http://127.0.0.1:{server.server_port}"))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield holder[0]
    finally:
        server.shutdown()
        server.server_close()
