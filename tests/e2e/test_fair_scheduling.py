"""Fair scheduling through the whole stack: tenant A queues 20 jobs on a renderer with two slots (the
dispatch window two), then tenant B one. B's job is dispatched at the first place that frees and
succeeds while most of A's jobs are still queued (stage `queued`, waiting their turn in the store);
in FIFO order it would have come after all twenty. Then A's jobs all succeed too."""

from __future__ import annotations

from tests.support.api import Api
from tests.support.tenants import AUTH_A, AUTH_B

QUEUED_BY_A = 20
WINDOW = 2


def test_a_new_job_of_another_tenant_passes_a_long_queue(start_platform):
    platform = start_platform(
        REPORTS_DISPATCH_WINDOW=str(WINDOW),
        REPORTS_RENDERER_CONCURRENCY=str(WINDOW),
        REPORTS_LLM_MODEL="dev-llm+latency=300",
    )
    busy, newcomer = Api(platform.gateway_url, AUTH_A), Api(platform.gateway_url, AUTH_B)
    media_a, media_b = busy.media()["mediaId"], newcomer.media()["mediaId"]
    jobs_a = [busy.job(media_a) for _ in range(QUEUED_BY_A)]
    job_b = newcomer.job(media_b)

    assert newcomer.wait(job_b)["status"] == "succeeded"
    listed = busy.http.get("/v1/jobs", params={"limit": 100}).json()["items"]
    still_queued = [j for j in listed if j["status"] == "queued"]
    assert len(still_queued) >= QUEUED_BY_A - 3 * WINDOW, [j["status"] for j in listed]
    assert {j["stage"] for j in still_queued} == {"queued"}

    assert all(busy.wait(job)["status"] == "succeeded" for job in jobs_a)
    # a succeeded job was last updated when it ended
    finished_b = newcomer.http.get(f"/v1/jobs/{job_b}").json()["updatedAt"]
    finished_a = sorted(busy.http.get(f"/v1/jobs/{job}").json()["updatedAt"] for job in jobs_a)
    assert sum(at < finished_b for at in finished_a) <= 3 * WINDOW  # not behind the whole queue
