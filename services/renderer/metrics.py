"""The renderer's Prometheus metrics."""

from prometheus_client import Counter, Gauge, Histogram

JOBS_FINISHED = Counter("renderer_jobs_total", "Jobs a renderer took to an end, by outcome", ["outcome"])
STAGE_SECONDS = Histogram(
    "renderer_job_stage_seconds",
    "Time a job spends in each stage",
    ["stage"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
)
JOBS_RUNNING = Gauge("renderer_jobs_running", "Jobs this renderer is rendering now: in hand, not yet acked")
REDELIVERIES = Counter("renderer_redeliveries_total", "Render commands received again after a failed attempt")
QUEUE_DEPTH = Gauge("renderer_queue_depth", "Render commands waiting or in flight on the JOBS queue", ["state"])
LLM_CALLS = Counter(
    "renderer_llm_calls_total", "LLM calls, by provider, outcome and attempt number", ["provider", "outcome", "attempt"]
)
LLM_CIRCUITS_OPENED = Counter(
    "renderer_llm_circuits_opened_total",
    "LLM routes whose circuit a streak of outages opened (REPORTS_LLM_ROUTES)",
    ["provider", "model"],
)
