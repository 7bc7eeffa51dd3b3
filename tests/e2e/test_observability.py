"""Logs, metrics and traces a person running the platform would rely on."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator

import pytest

from stack.platform import Platform
from stack.span_collector import Span, SpanCollector, span_collector
from tests.support import plain_http
from tests.support.api import SEGMENTS, Api
from tests.support.metrics import metric
from tests.support.polling import eventually
from tests.support.tenants import AUTH_A

SERVICES = ("gateway", "store", "renderer")  # the services a job passes through


def _log_lines(platform: Platform, name: str) -> list[dict]:
    return [
        json.loads(line) for line in platform.processes[name].log_path.read_text().splitlines() if line.startswith("{")
    ]


def test_a_jobs_id_and_request_id_appear_in_every_services_log_lines_for_it(start_platform: Callable[..., Platform]):
    platform = start_platform(REPORTS_LOG_LEVEL="DEBUG")  # a job's routine steps are DEBUG lines
    api = Api(platform.gateway_url, AUTH_A)
    media_id = api.media()["mediaId"]
    response = api.http.post(
        "/v1/reports/jobs",
        json={
            "media": {"mediaId": media_id},
            "output": {"template": "general_report"},
            "target": {"strategy": "dominant", "on_miss": "error"},
        },
        headers={"X-Request-Id": "req-trace-me-42"},
    )
    assert response.headers["x-request-id"] == "req-trace-me-42"
    job_id = response.json()["jobId"]
    assert api.wait(job_id)["status"] == "succeeded"
    for name in SERVICES:
        # a service may write its last line for the job after the job's succeeded event
        lines = eventually(
            lambda: [
                line
                for line in _log_lines(platform, name)  # noqa: B023 - called within this iteration
                if line.get("jobId") == job_id
            ],
            what=f"log line of {name} for {job_id}",
        )
        assert all(line.get("requestId") == "req-trace-me-42" for line in lines), (name, lines)
        assert all(line["service"] == name.split("-")[0] for line in lines)


def test_a_job_that_succeeds_writes_no_info_line_when_nothing_needs_a_human(platform: Platform):
    api = Api(platform.gateway_url, AUTH_A)
    job_id = api.job(api.media()["mediaId"])
    assert api.wait(job_id)["status"] == "succeeded"
    for name in ("gateway", "store", "renderer"):
        assert [line for line in _log_lines(platform, name) if line.get("jobId") == job_id] == [], name


def test_logs_carry_no_api_keys_or_transcript_text(platform: Platform):
    api = Api(platform.gateway_url, AUTH_A)
    api.wait(api.job(api.media()["mediaId"]))
    secret_words = re.compile(r"key-a|payback period|references from two companies")
    for name in platform.processes:
        text = platform.processes[name].log_path.read_text()
        assert not secret_words.search(text), f"{name} logged a key or transcript text"
    assert SEGMENTS  # the transcript the jobs above used


def test_metrics_counters_move_as_a_job_runs(platform: Platform):
    api = Api(platform.gateway_url, AUTH_A)

    def scrape() -> dict[str, str]:
        return {
            "gateway": plain_http.get(platform.addresses["gateway-metrics"]).text,
            **{name: plain_http.get(platform.addresses[f"{name}-metrics"]).text for name in SERVICES[1:]},
        }

    before = scrape()
    job = api.wait(api.job(api.media()["mediaId"]))
    assert job["status"] == "succeeded"
    moved = {
        ("gateway", "http_requests_total", (("route", "/v1/reports/jobs"), ("status", "202"))),
        ("store", "store_job_states_total", (("status", "succeeded"),)),
        ("store", "grpc_server_handled_total", (("method", "CompleteJob"), ("code", "OK"))),
        ("store", "grpc_server_handled_total", (("method", "GetMedia"), ("code", "OK"))),  # the renderer resolving
        ("renderer", "renderer_jobs_total", (("outcome", "succeeded"),)),
        ("renderer", "renderer_llm_calls_total", (("outcome", "ok"), ("attempt", "1"))),
        ("renderer", "renderer_job_stage_seconds_count", (("stage", "rendering"),)),
    }

    def still() -> list[tuple]:
        after = scrape()
        return [m for m in moved if metric(after[m[0]], m[1], **dict(m[2])) <= metric(before[m[0]], m[1], **dict(m[2]))]

    # the renderer counts a job once CompleteJob has answered, which can be after the event
    eventually(lambda: not still(), what="every counter moved")


@pytest.fixture
def collector() -> Iterator[SpanCollector]:
    with span_collector() as collector:
        yield collector


def test_a_job_is_one_trace_across_gateway_store_renderer_and_the_llm(
    start_platform: Callable[..., Platform], collector
):
    platform = start_platform(OTEL_EXPORTER_OTLP_ENDPOINT=collector.endpoint)
    api = Api(platform.gateway_url, AUTH_A)
    media_id = api.media()["mediaId"]
    job_id = api.job(media_id)
    assert api.wait(job_id)["status"] == "succeeded"

    def trace_of_create(spans: list[Span]) -> set[str]:
        return {s.trace_id for s in spans if s.service == "reports-gateway" and s.name == "POST /v1/reports/jobs"}

    def names_in(spans: list[Span], trace_ids: set[str]) -> set[str]:
        return {s.name for s in spans if s.trace_id in trace_ids}

    def services_in(spans: list[Span], trace_ids: set[str]) -> set[str]:
        return {s.service for s in spans if s.trace_id in trace_ids}

    # Each service exports its spans in batches of its own, so the last ones can arrive after the job ends.
    wanted_services = {"reports-gateway", "reports-store", "reports-renderer"}
    wanted_names = {"render job", "resolve target", "llm.call", "Store/GetMedia", "Store/CompleteJob"}
    assert collector.wait_for(
        lambda spans: (
            wanted_services <= services_in(spans, trace_of_create(spans))
            and wanted_names <= names_in(spans, trace_of_create(spans))
        ),
        timeout=30,
    ), collector.snapshot()
