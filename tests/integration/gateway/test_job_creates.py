"""Concurrent job creates reach the store several to a call, and each request gets its own answer:
its job, or its own error with the status and body a lone create would have had."""

from __future__ import annotations

import asyncio

from prometheus_client import REGISTRY

from tests.integration.helpers import assert_error, create_media, job_body
from tests.support.tenants import AUTH_A, AUTH_B


def _create_jobs_calls() -> float:
    return (
        REGISTRY.get_sample_value(
            "grpc_server_handled_total", {"service": "Store", "method": "CreateJobs", "code": "OK"}
        )
        or 0.0
    )


async def test_concurrent_creates_each_get_their_own_job_or_error(gateway):
    c = gateway.client
    mine, theirs = await create_media(c, AUTH_A), await create_media(c, AUTH_B)
    bodies = [
        job_body(mine),
        job_body(theirs),  # another tenant's media: not found, for this request only
        job_body(mine, output={"template": "sales_playbook", "templateParams": {"nonsense": 1}}),
        job_body("med_unknown"),
    ] * 6
    calls_before = _create_jobs_calls()
    responses = await asyncio.gather(*(c.post("/v1/reports/jobs", json=b, headers=AUTH_A) for b in bodies))

    for index, response in enumerate(responses):
        kind = index % 4
        if kind == 0:
            assert response.status_code == 202 and response.json()["status"] == "queued"
            assert response.headers["Location"] == f"/v1/jobs/{response.json()['jobId']}"
        elif kind == 2:
            assert_error(response, 400, "invalid_template_params", "/output/templateParams/nonsense")
        else:
            assert_error(response, 404, "media_not_found")
    created = {r.json()["jobId"] for r in responses[::4]}
    assert len(created) == 6
    listed = (await c.get("/v1/jobs", params={"limit": "50"}, headers=AUTH_A)).json()["items"]
    assert {j["jobId"] for j in listed} == created
    assert (await c.get("/v1/jobs", headers=AUTH_B)).json()["items"] == []
    # fewer calls than creates: those that arrived while a call was in flight went together
    assert 0 < _create_jobs_calls() - calls_before < len(bodies)
