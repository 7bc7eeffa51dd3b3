"""Live status over SSE across gateways, cancel, crashed renderers and shared queues."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable

from stack.platform import Platform
from tests.support import plain_http
from tests.support.api import Api
from tests.support.metrics import scrape
from tests.support.polling import eventually
from tests.support.tenants import AUTH_A, AUTH_B

SLOW = "dev-llm+latency=1500"


def _all_events(api: Api, job_id: str) -> list[tuple[int, dict]]:
    return api.events(job_id, last_event_id="0")


def test_sse_resumes_on_a_second_gateway_after_last_event_id_with_nothing_missed_or_repeated(
    start_platform: Callable[..., Platform],
):
    platform = start_platform(REPORTS_LLM_MODEL=SLOW)
    second = platform.start_gateway("gateway-2")
    api = Api(platform.gateway_url, AUTH_A)
    job_id = api.job(api.media()["mediaId"])

    first_part = api.events(job_id, stop_after=lambda e: e["stage"] == "rendering")
    resumed = api.events(job_id, last_event_id=str(first_part[-1][0]), base_url=second)
    everything = _all_events(api, job_id)

    # the first connection starts at the state current then; from there on, every event once
    combined = first_part + resumed
    assert combined == everything[len(everything) - len(combined) :]
    ids = [i for i, _ in everything]
    assert ids == sorted(set(ids))
    # each status once, in order (progress events, when the answer streams over a second, between)
    assert [(e["status"], e["stage"]) for _, e in everything if e["progress"] is None] == [
        ("queued", "queued"),
        ("running", "rendering"),
        ("succeeded", None),
    ]
    assert resumed[-1][1]["reportId"]
    # resuming after the terminal event ends the stream at once
    assert api.events(job_id, last_event_id=str(ids[-1])) == []
    # a fresh subscriber gets the current state first, which here is the end
    assert [e for _, e in api.events(job_id)] == [everything[-1][1]]


def test_sse_is_404_for_another_tenants_job(session_platform: Platform):  # it only calls the API
    api = Api(session_platform.gateway_url, AUTH_A)
    job_id = api.job(api.media()["mediaId"])
    response = Api(session_platform.gateway_url, AUTH_B).http.get(f"/v1/jobs/{job_id}/events")
    assert response.status_code == 404


def test_sse_sends_pings_and_no_buffering_header_while_a_job_runs(start_platform: Callable[..., Platform]):
    platform = start_platform(REPORTS_LLM_MODEL="dev-llm+latency=2500")
    api = Api(platform.gateway_url, AUTH_A)
    job_id = api.job(api.media()["mediaId"])

    with plain_http.stream("GET", f"{platform.gateway_url}/v1/jobs/{job_id}/events", headers=AUTH_A, timeout=30) as r:
        assert r.headers["x-accel-buffering"] == "no"
        lines = list(r.iter_lines())
    assert ": ping" in lines
    assert json.loads([line for line in lines if line.startswith("data: ")][-1][6:])["status"] == "succeeded"


def test_cancel_while_queued_and_while_running(start_platform: Callable[..., Platform]):
    platform = start_platform(REPORTS_LLM_MODEL="dev-llm+latency=2000", REPORTS_RENDERER_CONCURRENCY="1")
    api = Api(platform.gateway_url, AUTH_A)
    media_id = api.media()["mediaId"]
    running = api.job(media_id)
    queued = api.job(media_id)
    api.events(running, stop_after=lambda e: e["stage"] == "rendering")

    assert api.http.get(f"/v1/jobs/{queued}").json()["status"] == "queued"
    assert api.http.post(f"/v1/jobs/{queued}/cancel").json()["status"] == "canceled"
    assert api.http.post(f"/v1/jobs/{running}/cancel").json()["status"] == "canceled"

    for job_id in (running, queued):
        job = api.wait(job_id)
        assert job["status"] == "canceled"
        assert job["error"]["code"] == "canceled"
        assert api.http.get(f"/v1/reports/by-job/{job_id}").json() is None
    # the queued job never ran; both end with canceled and the renderer stored nothing for them
    assert [e["status"] for _, e in _all_events(api, queued)] == ["queued", "canceled"]
    after = api.wait(api.job(media_id, target={"strategy": "dominant", "on_miss": "error"}))
    assert after["status"] == "succeeded"
    assert [r["jobId"] for r in api.http.get("/v1/reports").json()["items"]] == [after["jobId"]]


def test_a_renderer_killed_mid_job_leaves_the_job_to_another_which_completes_it_once(
    start_platform: Callable[..., Platform],
):
    platform = start_platform(REPORTS_LLM_MODEL=SLOW)
    api = Api(platform.gateway_url, AUTH_A)
    job_id = api.job(api.media()["mediaId"])
    api.events(job_id, stop_after=lambda e: e["stage"] == "rendering")
    platform.processes["renderer"].kill()
    platform.start_renderer("renderer-b", {"REPORTS_LLM_MODEL": "dev-llm"})

    job = api.wait(job_id)
    assert job["status"] == "succeeded"
    reports = api.http.get("/v1/reports").json()["items"]
    assert [r["jobId"] for r in reports] == [job_id]
    succeeded = [e for _, e in _all_events(api, job_id) if e["status"] == "succeeded"]
    assert len(succeeded) == 1


def test_two_renderers_share_the_queue_and_do_each_job_once(start_platform: Callable[..., Platform]):
    platform = start_platform(renderers=2, REPORTS_LLM_MODEL="dev-llm+latency=300", REPORTS_RENDERER_CONCURRENCY="2")
    api = Api(platform.gateway_url, AUTH_A)
    media_id = api.media()["mediaId"]
    job_ids = [api.job(media_id) for _ in range(12)]
    assert {api.wait(j)["status"] for j in job_ids} == {"succeeded"}

    reports = api.http.get("/v1/reports", params={"limit": "100"}).json()["items"]
    assert sorted(r["jobId"] for r in reports) == sorted(job_ids)
    # each renderer's own count of the jobs it took to an end (renderer_jobs_total, every outcome),
    # read from its metrics port; it counts a job once CompleteJob has answered, which can be after
    # the job's event. Together they did 12 jobs, not 13: none was done twice, and none came back.
    renderers = ("renderer", "renderer-2")

    def finished_by(name: str) -> float:
        return scrape(platform.addresses[f"{name}-metrics"], "renderer_jobs_total")

    eventually(
        lambda: sum(finished_by(name) for name in renderers) >= len(job_ids), what="both renderers to count every job"
    )
    per_renderer = {name: finished_by(name) for name in renderers}
    assert sum(per_renderer.values()) == len(job_ids), per_renderer
    assert all(count > 0 for count in per_renderer.values()), per_renderer
    redelivered = {
        name: scrape(platform.addresses[f"{name}-metrics"], "renderer_redeliveries_total") for name in renderers
    }
    assert set(redelivered.values()) == {0}, redelivered


def _jobs_with_status(api: Api, status: str) -> list[dict]:
    response = api.http.get("/v1/jobs", params={"status": status, "limit": "1"})
    assert response.status_code == 200, response.text
    return response.json()["items"]


def test_renderers_started_together_after_the_jobs_were_queued_complete_them_all(
    start_platform: Callable[..., Platform],
):
    # As the benchmark's B3: every job queued first, then two renderers of 64 jobs in flight each,
    # started side by side from threads of the runner's. More jobs than both take in one fetch.
    # 128 LLM calls at once on a small machine: the default LLM and ack timeouts, not the fast ones.
    platform = start_platform(
        renderers=0,
        REPORTS_RENDERER_CONCURRENCY="64",
        REPORTS_LLM_IDLE_TIMEOUT_S="120",
        REPORTS_RENDERER_ACK_WAIT_S="30",
    )
    api = Api(platform.gateway_url, AUTH_A)
    media_id = api.media()["mediaId"]
    job_ids = [api.job(media_id) for _ in range(150)]
    names = ["renderer-a", "renderer-b"]
    starters = [threading.Thread(target=platform.start_renderer, args=(name,)) for name in names]
    for starter in starters:
        starter.start()
    for starter in starters:
        starter.join()

    eventually(
        lambda: not _jobs_with_status(api, "queued") and not _jobs_with_status(api, "running"),
        timeout_s=120,
        what="every queued job taken and ended",
    )
    jobs = [api.http.get(f"/v1/jobs/{job_id}").json() for job_id in job_ids]
    assert [job for job in jobs if job["status"] != "succeeded"] == []
    assert all(platform.processes[name].running for name in names)
