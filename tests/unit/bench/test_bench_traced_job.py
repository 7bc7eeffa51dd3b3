"""The traced job's timeline: each span's start after its job's create and its length, as medians
over the jobs whose trace reached the renderer."""

from __future__ import annotations

from bench.traced_job import complete_traces, timeline
from stack.span_collector import Span

MS = 1_000_000


def _job(trace: str, claim_at_ms: int) -> list[Span]:
    base = 1_000 * MS
    return [
        Span("reports-gateway", "POST /v1/reports/jobs", trace, base, base + 3 * MS),
        Span("reports-renderer", "render job", trace, base + 4 * MS, base + 20 * MS),
        Span("reports-store", "Store/ClaimJob", trace, base + claim_at_ms * MS, base + (claim_at_ms + 1) * MS),
    ]


def test_spans_are_placed_after_their_jobs_create_in_order_of_their_median_start() -> None:
    spans = _job("a", 6) + _job("b", 8) + _job("c", 7)

    rows = timeline(spans, jobs=3)

    assert [(start, duration, seen, name) for start, duration, seen, _, name in rows] == [
        (0.0, 3.0, 3, "POST /v1/reports/jobs"),
        (4.0, 16.0, 3, "render job"),
        (7.0, 1.0, 3, "Store/ClaimJob"),
    ]


def test_a_trace_that_never_reached_the_renderer_and_a_rare_span_are_left_out() -> None:
    lone_create = [Span("reports-gateway", "POST /v1/reports/jobs", "z", 0, 2 * MS)]
    rare = [Span("reports-store", "Store/GetMedia", "a", 1_000 * MS, 1_001 * MS)]

    rows = timeline(_job("a", 6) + _job("b", 6) + _job("c", 6) + lone_create + rare, jobs=3)

    assert [name for *_, name in rows] == ["POST /v1/reports/jobs", "render job", "Store/ClaimJob"]
    assert rows[0][2] == 3  # the lone create counts nowhere


def test_a_trace_is_complete_once_each_services_last_span_of_it_has_arrived() -> None:
    store_still_exporting = [span for span in _job("b", 6) if span.service != "reports-store"]
    completed = [Span("reports-store", "Store/CompleteJob", "a", 0, MS)]

    assert complete_traces(_job("a", 6) + store_still_exporting) == 0
    assert complete_traces(_job("a", 6) + completed + store_still_exporting) == 1
