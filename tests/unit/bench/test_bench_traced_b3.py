"""The traced B3's parts of a job's time: each job's spans found through their parents (creates
batched together share one trace), and the wait from each completion to the job that takes its place."""

from __future__ import annotations

from bench.traced_b3 import DISPATCH, jobs_of, parts
from stack.span_collector import Span

MS = 1_000_000
TRACE = "one-trace-for-a-batch-of-creates"


def _job(name: str, received_ms: int) -> list[Span]:
    """A job received at `received_ms`: claimed 1 ms later for 2 ms, its LLM call from 4 to 2,010
    ms, its completion from 2,012 to 2,015, its end at 2,016."""
    at = received_ms * MS
    return [
        Span("reports-renderer", "render job", TRACE, at, at + 2016 * MS, f"{name}-job", "create"),
        Span("reports-store", "Store/ClaimJob", TRACE, at + 1 * MS, at + 3 * MS, f"{name}-claim", f"{name}-job"),
        Span("reports-renderer", "llm.call", TRACE, at + 4 * MS, at + 2010 * MS, f"{name}-llm", f"{name}-render"),
        Span("reports-renderer", "render", TRACE, at + 4 * MS, at + 2011 * MS, f"{name}-render", f"{name}-job"),
        Span(
            "reports-store", "Store/CompleteJob", TRACE, at + 2012 * MS, at + 2015 * MS, f"{name}-done", f"{name}-job"
        ),
    ]


def test_a_jobs_spans_are_found_through_their_parents_though_jobs_share_a_trace() -> None:
    spans = [Span("reports-gateway", "POST /v1/reports/jobs", TRACE, 0, MS, "create"), *_job("a", 10), *_job("b", 20)]

    jobs = sorted(jobs_of(spans), key=lambda job: job.job.start_ns)

    assert [(job.claim.span_id, job.llm.span_id, job.complete.span_id) for job in jobs] == [
        ("a-claim", "a-llm", "a-done"),
        ("b-claim", "b-llm", "b-done"),
    ]


def test_a_job_whose_spans_have_not_all_arrived_is_left_out() -> None:
    spans = [span for span in _job("a", 10) if span.name != "Store/CompleteJob"] + _job("b", 20)

    assert [job.job.span_id for job in jobs_of(spans)] == ["b-job"]


def test_a_retried_call_counts_its_last_attempt_and_the_time_before_it_as_the_way_to_it() -> None:
    spans = _job("a", 0)
    failed = Span("reports-renderer", "llm.call", TRACE, 4 * MS, 6 * MS, "a-llm-failed", "a-render")
    retried = spans[2]._replace(start_ns=1004 * MS)  # after a second's backoff

    (job,) = jobs_of([*spans[:2], failed, retried, *spans[3:]])

    assert job.llm.span_id == "a-llm"
    assert dict(parts([job], window=1))["claim answered → LLM call starts"] == [1001.0]


def test_each_part_of_a_jobs_time_and_the_wait_from_a_completion_to_the_job_in_its_place() -> None:
    first = _job("a", 0)  # completed at 2,015 ms, freeing the window's one place
    second = _job("b", 2030)  # received 15 ms after that, into that place

    measured = dict(parts(jobs_of(first + second), window=1))

    assert measured["job received → claim's handler (resolution, the call's way in)"] == [1.0, 1.0]
    assert measured["claim's handler"] == [2.0, 2.0]
    assert measured["claim answered → LLM call starts"] == [1.0, 1.0]
    assert measured["LLM call"] == [2006.0, 2006.0]
    assert measured["LLM call ended → completion's handler"] == [2.0, 2.0]
    assert measured["completion's handler"] == [3.0, 3.0]
    assert measured["completion answered → job's end (ack)"] == [1.0, 1.0]
    assert measured[DISPATCH] == [15.0]  # the first job had its place from the start


def test_with_a_window_of_two_the_first_completion_frees_the_place_of_the_third_job() -> None:
    jobs = jobs_of(_job("a", 0) + _job("b", 100) + _job("c", 2040))  # a completes at 2,015, b at 2,115

    assert dict(parts(jobs, window=2))[DISPATCH] == [25.0]
