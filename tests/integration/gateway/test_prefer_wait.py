"""`GET /v1/jobs/{jobId}` with `Prefer: wait=N`: the answer waits for the job's end, woken by its events."""

from __future__ import annotations

import asyncio

import httpx

from tests.integration.helpers import assert_error, complete_job, create_job, create_media
from tests.support.polling import until
from tests.support.tenants import AUTH_A, AUTH_B

# A hang guard well under the requested wait: an answer that came only when the wait ran out
# (nothing woke it) fails the test instead of passing slowly.
GUARD_S = 30
LONG_WAIT = "wait=60"


async def _waiting(fanout, job_id: str, count: int) -> None:
    """Until `count` requests wait on the job (each watches it on the fan-out before it reads the job)."""
    await until(lambda: fanout.watching(job_id) >= count, GUARD_S, f"{count} requests waiting on {job_id}")


async def _get(c: httpx.AsyncClient, job_id: str, prefer: str) -> httpx.Response:
    return await c.get(f"/v1/jobs/{job_id}", headers={**AUTH_A, "Prefer": prefer})


async def test_a_job_that_ends_inside_the_window_is_answered_when_it_ends(gateway, store_stub):
    c = gateway.client
    job_id = await create_job(c, AUTH_A, await create_media(c, AUTH_A))
    answer = asyncio.create_task(_get(c, job_id, LONG_WAIT))
    await _waiting(gateway.app.state.event_fanout, job_id, 1)
    report_id = await complete_job(store_stub, "tenant-a", job_id)
    response = await asyncio.wait_for(answer, GUARD_S)
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["reportId"]) == ("succeeded", report_id)
    assert response.headers["preference-applied"] == "wait=60"
    assert "retry-after" not in response.headers
    assert gateway.app.state.event_fanout.watching(job_id) == 0


async def test_a_job_still_running_when_the_window_closes_is_answered_as_it_is(gateway):
    c = gateway.client
    job_id = await create_job(c, AUTH_A, await create_media(c, AUTH_A))
    response = await _get(c, job_id, "wait=1")
    assert response.status_code == 200
    assert response.json()["status"] == "queued"
    assert response.headers["preference-applied"] == "wait=1"
    assert response.headers["retry-after"] == "1"


async def test_a_finished_job_is_answered_at_once_and_a_wait_over_60_is_capped(gateway, store_stub):
    c = gateway.client
    job_id = await create_job(c, AUTH_A, await create_media(c, AUTH_A))
    await complete_job(store_stub, "tenant-a", job_id)
    response = await asyncio.wait_for(_get(c, job_id, "wait=3600"), GUARD_S)
    assert response.json()["status"] == "succeeded"
    assert response.headers["preference-applied"] == "wait=60"


async def test_a_cancel_wakes_the_waiters_too(gateway):
    c = gateway.client
    job_id = await create_job(c, AUTH_A, await create_media(c, AUTH_A))
    answer = asyncio.create_task(_get(c, job_id, "wait"))
    await _waiting(gateway.app.state.event_fanout, job_id, 1)
    await c.post(f"/v1/jobs/{job_id}/cancel", headers=AUTH_A)
    response = await asyncio.wait_for(answer, GUARD_S)
    assert response.json()["status"] == "canceled"
    assert response.headers["preference-applied"] == "wait=60"


async def test_200_clients_waiting_at_once_are_all_answered_when_their_jobs_end(gateway, store_stub):
    c = gateway.client
    media_id = await create_media(c, AUTH_A)
    jobs = [await create_job(c, AUTH_A, media_id) for _ in range(20)]
    waiters = [asyncio.create_task(_get(c, jobs[i % len(jobs)], LONG_WAIT)) for i in range(200)]
    fanout = gateway.app.state.event_fanout
    await asyncio.gather(*(_waiting(fanout, j, 10) for j in jobs))
    reports = await asyncio.gather(*(complete_job(store_stub, "tenant-a", j) for j in jobs))
    responses = await asyncio.wait_for(asyncio.gather(*waiters), GUARD_S)
    by_job = dict(zip(jobs, reports, strict=True))
    assert all(r.status_code == 200 and r.headers["preference-applied"] == "wait=60" for r in responses)
    assert all(
        r.json()["status"] == "succeeded" and r.json()["reportId"] == by_job[r.json()["jobId"]] for r in responses
    )
    assert all(fanout.watching(j) == 0 for j in jobs)


async def test_another_tenants_job_is_404_at_once_even_with_a_wait(gateway):
    c = gateway.client
    job_id = await create_job(c, AUTH_B, await create_media(c, AUTH_B))
    response = await asyncio.wait_for(_get(c, job_id, LONG_WAIT), GUARD_S)
    assert_error(response, 404, "job_not_found")


async def test_a_wait_that_is_not_a_number_is_ignored(gateway):
    c = gateway.client
    job_id = await create_job(c, AUTH_A, await create_media(c, AUTH_A))
    response = await _get(c, job_id, "wait=soon")
    assert response.json()["status"] == "queued"
    assert "preference-applied" not in response.headers
    assert "retry-after" not in response.headers
