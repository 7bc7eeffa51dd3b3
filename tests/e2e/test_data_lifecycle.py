"""Deleting while a real renderer is writing: the job is gone and no report is ever written."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx

from stack.platform import Platform
from tests.e2e.conftest import AUTH_A, Api
from tests.e2e.test_observability import _metric


def test_a_job_deleted_mid_render_never_writes_its_report(start_platform: Callable[..., Platform]):
    platform = start_platform(REPORTS_LLM_MODEL="dev-llm+latency=2500")
    api = Api(platform.gateway_url, AUTH_A)
    media_id = api.media()["mediaId"]
    job_id = api.job(media_id)
    api.events(job_id, stop_after=lambda event: event["stage"] == "rendering")  # the LLM call has begun

    assert api.http.delete(f"/v1/jobs/{job_id}").status_code == 204

    renderer_metrics = platform.addresses["renderer-metrics"]
    deadline = time.monotonic() + 60  # the renderer's LLM call ends, then it finds the job gone
    while _metric(httpx.get(renderer_metrics).text, "renderer_jobs_total", outcome="deleted") < 1:
        assert time.monotonic() < deadline, "the renderer never dropped the deleted job"
        time.sleep(0.1)
    assert api.http.get(f"/v1/jobs/{job_id}").status_code == 404
    assert api.http.get("/v1/reports").json()["items"] == []
    assert _metric(httpx.get(renderer_metrics).text, "renderer_jobs_total", outcome="succeeded") == 0
    # the media stays, and takes new jobs
    assert api.wait(api.job(media_id))["status"] == "succeeded"
