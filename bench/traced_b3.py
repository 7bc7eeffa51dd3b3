"""`python -m bench.traced_b3 [SLOTS [JOBS]]`: B3 with tracing on, and where a job's time beyond the LLM's goes.

B3's platform and load (2 renderers, the dev LLM answering after 2 s, all jobs created before the
renderers start) with SLOTS jobs in flight a renderer (default 64) and JOBS jobs (default 500), its
services exporting their spans to a collector in this process. A job's spans are found through
their parents, up to its renderer's `render job` (a batch of creates shares one trace, so a trace
does not tell jobs apart), and the table gives each part of a job's time over the jobs: from
receiving it to the claim, the claim, the LLM call (the dev LLM waits 2 s of it), the way to the
completion, and from the completion that freed a place in the window to the job received into
that place. Tracing costs CPU of its own; on a
machine slower than its usual, fewer slots load it as the full B3 loads a fast one (round 12 of
bench/README.md used 20 slots and 160 jobs).
"""

from __future__ import annotations

import sys
import tempfile
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench import b3_concurrency
from bench.harness import Context
from bench.stats import percentile
from bench.traced_job import EXPORT_WAIT_S
from stack.span_collector import Span, span_collector


@dataclass(frozen=True)
class JobSpans:
    job: Span  # the renderer's `render job`
    claim: Span
    llm: Span  # the last call: a failed one before it, and its wait, count as the way to it
    complete: Span


def jobs_of(spans: list[Span]) -> list[JobSpans]:
    """Each rendered job's spans that have all arrived, through their parents."""
    by_id = {span.span_id: span for span in spans}
    render_jobs = {span.span_id: span for span in spans if span.name == "render job"}
    found: dict[str, dict[str, Span]] = defaultdict(dict)
    for span in sorted(spans, key=lambda s: s.start_ns):
        ancestor = span.parent_id
        while ancestor and ancestor not in render_jobs:
            parent = by_id.get(ancestor)
            ancestor = parent.parent_id if parent is not None else ""
        if ancestor:
            found[ancestor][span.name] = span  # the latest of a name: a retried call's last attempt
    return [
        JobSpans(render_jobs[job_id], named["Store/ClaimJob"], named["llm.call"], named["Store/CompleteJob"])
        for job_id, named in found.items()
        if {"Store/ClaimJob", "llm.call", "Store/CompleteJob"} <= named.keys()
    ]


def _ms(start_ns: int, end_ns: int) -> float:
    return (end_ns - start_ns) / 1e6


PARTS: tuple[tuple[str, Callable[[JobSpans], float]], ...] = (
    ("job received → claim's handler (resolution, the call's way in)", lambda j: _ms(j.job.start_ns, j.claim.start_ns)),
    ("claim's handler", lambda j: _ms(j.claim.start_ns, j.claim.end_ns)),
    ("claim answered → LLM call starts", lambda j: _ms(j.claim.end_ns, j.llm.start_ns)),
    ("LLM call", lambda j: _ms(j.llm.start_ns, j.llm.end_ns)),
    ("LLM call ended → completion's handler", lambda j: _ms(j.llm.end_ns, j.complete.start_ns)),
    ("completion's handler", lambda j: _ms(j.complete.start_ns, j.complete.end_ns)),
    ("completion answered → job's end (ack)", lambda j: _ms(j.complete.end_ns, j.job.end_ns)),
)
DISPATCH = "completion → the job received into its place (dispatch, relay, JetStream, fetch)"


def parts(jobs: list[JobSpans], window: int) -> list[tuple[str, list[float]]]:
    """Each part of the jobs' time, in ms. The last pairs completions and receptions in order: with
    one tenant and a window of `window` places, the k-th completion dispatches the job received
    (window + k)-th."""
    rows = [(label, [part(job) for job in jobs]) for label, part in PARTS]
    completed = sorted(job.complete.end_ns for job in jobs)
    received = sorted(job.job.start_ns for job in jobs)[window:]
    return [*rows, (DISPATCH, [_ms(done, next_job) for done, next_job in zip(completed, received, strict=False)])]


def main() -> int:
    slots = int(sys.argv[1]) if len(sys.argv) > 1 else b3_concurrency.CONCURRENCY
    count = int(sys.argv[2]) if len(sys.argv) > 2 else b3_concurrency.JOBS
    with span_collector() as collector, tempfile.TemporaryDirectory(prefix="reports-traced-b3-") as work:
        result = b3_concurrency.run(
            Context(Path(work), quick=False),
            concurrency=slots,
            count=count,
            env={"OTEL_EXPORTER_OTLP_ENDPOINT": collector.endpoint},
        )
        # The services flush their last spans as they stop, which the platform has waited for.
        collector.wait_for(lambda spans: len(jobs_of(spans)) >= result["completed"], EXPORT_WAIT_S)
        jobs = jobs_of(collector.snapshot())
    if len(jobs) < result["completed"]:
        print(f"only {len(jobs)} of {result['completed']} jobs' spans arrived", file=sys.stderr)
    cpu_ms = b3_concurrency.cpu_per_job_s(result) * 1000
    print(
        f"B3 with {b3_concurrency.RENDERERS} renderers × {slots} slots, {count} jobs: makespan {result['makespan_s']} s, "
        f"{result['ratio_to_ideal']}× the ideal {result['ideal_s']} s; {cpu_ms:.1f} ms of CPU a job (tracing on)"
    )
    waits_ms = b3_concurrency.LLM_LATENCY_S * 1000
    print(
        f"{'mean':>9} {'p50':>9} {'p90':>9}  part of a job's time (ms, over {len(jobs)} jobs; the LLM waits {waits_ms:,.0f})"
    )
    for label, values in parts(jobs, b3_concurrency.RENDERERS * slots):
        if values:
            mean = sum(values) / len(values)
            print(f"{mean:9.1f} {percentile(values, 50):9.1f} {percentile(values, 90):9.1f}  {label}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
