"""Stripe-style idempotency keys, cursor pagination, and cancel."""

from __future__ import annotations

import asyncio

from tests.integration.helpers import assert_error, complete_job, create_job, create_media, job_body
from tests.support.tenants import AUTH_A, AUTH_B


async def test_the_same_key_and_body_returns_the_original_job(gateway):
    c = gateway.client
    media_id = await create_media(c, AUTH_A)
    body = job_body(media_id, idempotencyKey="order-42")
    first = await c.post("/v1/reports/jobs", json=body, headers=AUTH_A)
    # the same JSON with its keys in another order is the same request
    again = await c.post("/v1/reports/jobs", json=dict(reversed(list(body.items()))), headers=AUTH_A)
    assert first.status_code == again.status_code == 202
    assert again.json()["jobId"] == first.json()["jobId"]
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert len((await c.get("/v1/jobs", headers=AUTH_A)).json()["items"]) == 1


async def test_a_replay_answers_what_the_first_request_was_answered_after_the_job_succeeded(gateway, store_stub):
    c = gateway.client
    body = job_body(await create_media(c, AUTH_A), idempotencyKey="order-7")
    first = await c.post("/v1/reports/jobs", json=body, headers=AUTH_A)
    job_id = first.json()["jobId"]
    await complete_job(store_stub, "tenant-a", job_id)
    again = await c.post("/v1/reports/jobs", json=body, headers=AUTH_A)
    assert (again.status_code, again.json()) == (first.status_code, first.json())
    assert first.json()["status"] == "queued"
    assert again.headers["location"] == first.headers["location"] == f"/v1/jobs/{job_id}"
    assert again.headers["idempotent-replayed"] == "true"
    # where the job really is: at Location, finished, with no stage left to go through
    job = (await c.get(again.headers["location"], headers=AUTH_A)).json()
    assert (job["status"], job["stage"]) == ("succeeded", None)


async def test_a_replay_of_a_canceled_job_answers_the_first_answer_too(gateway):
    c = gateway.client
    body = job_body(await create_media(c, AUTH_A), idempotencyKey="order-8")
    first = await c.post("/v1/reports/jobs", json=body, headers=AUTH_A)
    canceled = (await c.post(f"/v1/jobs/{first.json()['jobId']}/cancel", headers=AUTH_A)).json()
    assert canceled["status"] == "canceled"
    again = await c.post("/v1/reports/jobs", json=body, headers=AUTH_A)
    assert (again.status_code, again.json()) == (202, first.json())


async def test_the_same_key_with_a_different_body_is_409(gateway):
    c = gateway.client
    media_id = await create_media(c, AUTH_A)
    await create_job(c, AUTH_A, media_id, idempotencyKey="order-42")
    response = await c.post(
        "/v1/reports/jobs", json=job_body(media_id, idempotencyKey="order-42", label="other"), headers=AUTH_A
    )
    assert_error(response, 409, "idempotency_conflict")


async def test_idempotency_keys_are_scoped_per_tenant(gateway):
    c = gateway.client
    job_a = await create_job(c, AUTH_A, await create_media(c, AUTH_A), idempotencyKey="shared")
    job_b = await create_job(c, AUTH_B, await create_media(c, AUTH_B), idempotencyKey="shared")
    assert job_a != job_b


async def test_concurrent_requests_with_one_key_create_one_job(gateway):
    c = gateway.client
    media_id = await create_media(c, AUTH_A)
    body = job_body(media_id, idempotencyKey="burst")
    responses = await asyncio.gather(*(c.post("/v1/reports/jobs", json=body, headers=AUTH_A) for _ in range(12)))
    assert {r.status_code for r in responses} == {202}
    assert len({r.json()["jobId"] for r in responses}) == 1
    assert len((await c.get("/v1/jobs", headers=AUTH_A)).json()["items"]) == 1


async def test_jobs_page_newest_first_with_a_cursor_until_the_end(gateway):
    c = gateway.client
    media_id = await create_media(c, AUTH_A)
    created = [await create_job(c, AUTH_A, media_id) for _ in range(5)]
    seen, cursor = [], None
    while True:
        params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        page = (await c.get("/v1/jobs", params=params, headers=AUTH_A)).json()
        assert len(page["items"]) <= 2
        seen.extend(j["jobId"] for j in page["items"])
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert seen == list(reversed(created))


async def test_jobs_filter_by_status(gateway):
    c = gateway.client
    media_id = await create_media(c, AUTH_A)
    kept = await create_job(c, AUTH_A, media_id)
    canceled = await create_job(c, AUTH_A, media_id)
    await c.post(f"/v1/jobs/{canceled}/cancel", headers=AUTH_A)
    queued = (await c.get("/v1/jobs", params={"status": "queued"}, headers=AUTH_A)).json()["items"]
    assert [j["jobId"] for j in queued] == [kept]
    gone = (await c.get("/v1/jobs", params={"status": "canceled"}, headers=AUTH_A)).json()["items"]
    assert [j["jobId"] for j in gone] == [canceled]


async def test_bad_paging_parameters_are_400(gateway):
    c = gateway.client
    for params, code in [
        ({"limit": "0"}, "invalid_request"),
        ({"limit": "abc"}, "invalid_request"),
        ({"limit": "101"}, "invalid_request"),
        ({"cursor": "!!!"}, "invalid_cursor"),
        ({"status": "sleeping"}, "invalid_request"),
    ]:
        assert_error(await c.get("/v1/jobs", params=params, headers=AUTH_A), 400, code)


async def test_cancel_makes_a_queued_job_canceled_and_leaves_a_finished_one_alone(gateway):
    c = gateway.client
    job_id = await create_job(c, AUTH_A, await create_media(c, AUTH_A))
    first = await c.post(f"/v1/jobs/{job_id}/cancel", headers=AUTH_A)
    assert first.status_code == 200
    assert first.json()["status"] == "canceled"
    assert first.json()["error"]["code"] == "canceled"
    again = await c.post(f"/v1/jobs/{job_id}/cancel", headers=AUTH_A)
    assert again.status_code == 200
    assert again.json() == first.json()


async def test_unknown_routes_and_methods_answer_in_the_error_shape(gateway):
    c = gateway.client
    assert_error(await c.get("/v2/nothing", headers=AUTH_A), 404, "not_found")
    assert_error(await c.delete("/v1/jobs", headers=AUTH_A), 405, "method_not_allowed")
