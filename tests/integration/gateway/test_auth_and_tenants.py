"""Every endpoint needs a key; another tenant's ids answer 404, like ids that do not exist."""

from __future__ import annotations

import pytest

from tests.integration.helpers import assert_error, complete_job, create_job, create_media, job_body, media_body
from tests.support.tenants import AUTH_A, AUTH_B

ENDPOINTS = [
    ("POST", "/v1/media"),
    ("GET", "/v1/media"),
    ("GET", "/v1/media/med_x"),
    ("POST", "/v1/media/med_x/resolve"),
    ("POST", "/v1/reports/jobs"),
    ("GET", "/v1/jobs"),
    ("GET", "/v1/jobs/job_x"),
    ("POST", "/v1/jobs/job_x/cancel"),
    ("GET", "/v1/jobs/job_x/events"),
    ("GET", "/v1/reports"),
    ("GET", "/v1/reports/rep_x"),
    ("GET", "/v1/reports/by-job/job_x"),
]


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
@pytest.mark.parametrize("authorization", [None, "Bearer nope", "Basic a2V5LWE6", "Bearer "])
async def test_every_endpoint_is_401_without_a_known_key(gateway, method, path, authorization):
    headers = {"Content-Type": "application/json"}
    if authorization is not None:
        headers["Authorization"] = authorization
    response = await gateway.client.request(method, path, headers=headers, content=b"{}")
    assert_error(response, 401, "unauthorized")
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_another_tenants_ids_answer_404_on_every_endpoint(gateway, store_stub):
    c = gateway.client
    media_id = await create_media(c, AUTH_A)
    job_id = await create_job(c, AUTH_A, media_id)
    report_id = await complete_job(store_stub, "tenant-a", job_id)

    assert (await c.get(f"/v1/reports/{report_id}", headers=AUTH_A)).status_code == 200
    for method, path, code in [
        ("GET", f"/v1/media/{media_id}", "media_not_found"),
        ("GET", f"/v1/jobs/{job_id}", "job_not_found"),
        ("POST", f"/v1/jobs/{job_id}/cancel", "job_not_found"),
        ("GET", f"/v1/jobs/{job_id}/events", "job_not_found"),
        ("GET", f"/v1/reports/{report_id}", "report_not_found"),
        ("GET", f"/v1/reports/by-job/{job_id}", "job_not_found"),
    ]:
        theirs = await c.request(method, path, headers=AUTH_B)
        missing = await c.request(
            method, path.replace(media_id, "med_0").replace(job_id, "job_0").replace(report_id, "rep_0"), headers=AUTH_B
        )
        assert_error(theirs, 404, code)
        assert theirs.json()["error"]["code"] == missing.json()["error"]["code"]
    response = await c.post("/v1/reports/jobs", json=job_body(media_id), headers=AUTH_B)
    assert_error(response, 404, "media_not_found")
    for path in ("/v1/media", "/v1/jobs", "/v1/reports"):
        assert (await c.get(path, headers=AUTH_B)).json() == {"items": [], "nextCursor": None}
        assert len((await c.get(path, headers=AUTH_A)).json()["items"]) == 1
    # and the job is untouched by B's cancel attempt
    assert (await c.get(f"/v1/jobs/{job_id}", headers=AUTH_A)).json()["status"] == "succeeded"


async def test_report_by_job_is_null_until_the_job_succeeds_then_the_report(gateway, store_stub):
    c = gateway.client
    job_id = await create_job(c, AUTH_A, await create_media(c, AUTH_A, url="https://media.test/call.mp3"))
    pending = await c.get(f"/v1/reports/by-job/{job_id}", headers=AUTH_A)
    assert pending.status_code == 200 and pending.json() is None
    report_id = await complete_job(store_stub, "tenant-a", job_id)
    report = (await c.get(f"/v1/reports/by-job/{job_id}", headers=AUTH_A)).json()
    assert report["id"] == report_id
    assert report["jobId"] == job_id
    assert report["media"]["url"] == "https://media.test/call.mp3"
    assert report["json"]["sections"][0] == {
        "key": "bottom_line",
        "kind": "paragraph",
        "title": "Bottom line",
        "body": "B",
    }
    job = (await c.get(f"/v1/jobs/{job_id}", headers=AUTH_A)).json()
    assert (job["status"], job["reportId"]) == ("succeeded", report_id)


async def test_media_is_created_and_read_back_with_its_speakers(gateway):
    c = gateway.client
    body = media_body(speakers=[{"id": "ana", "label": "Ana Ruiz", "description": "CFO"}])
    created = await c.post("/v1/media", json=body, headers=AUTH_A)
    assert created.status_code == 201, created.text
    media = created.json()
    assert created.headers["location"] == f"/v1/media/{media['mediaId']}"
    assert [(e["id"], e["label"], e["description"]) for e in media["entities"]] == [
        ("ana", "Ana Ruiz", "CFO"),
        ("ben", None, None),
    ]
    ana = media["entities"][0]
    assert (ana["speakingSec"], ana["turns"], ana["words"]) == (17.0, 2, 21)
    assert media["durationSec"] == 20.0
    assert (await c.get(f"/v1/media/{media['mediaId']}", headers=AUTH_A)).json() == media


async def test_media_with_a_speaker_that_is_not_in_the_transcript_is_400(gateway):
    body = media_body(speakers=[{"id": "carla", "label": "Carla"}])
    response = await gateway.client.post("/v1/media", json=body, headers=AUTH_A)
    assert_error(response, 400, "unknown_speaker", "/speakers/0/id")


async def test_media_with_a_broken_segment_is_400_naming_the_index(gateway):
    body = media_body(
        transcript={
            "format": "segments",
            "content": [
                {"speaker": "a", "start": 0, "end": 1, "text": "ok"},
                {"speaker": "a", "start": 0, "end": "x", "text": "no"},
            ],
        }
    )
    response = await gateway.client.post("/v1/media", json=body, headers=AUTH_A)
    error = assert_error(response, 400, "invalid_transcript", "/transcript/content/1/end")
    assert "1" in error["message"]


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"transcript": {"format": "mp3", "content": "x"}}, "/transcript/format"),
        ({"transcript": {"format": "segments"}}, "/transcript/content"),
        ({"title": 5, "transcript": {"content": "x"}}, "/title"),
        ({}, "/transcript"),
    ],
)
async def test_media_body_that_breaks_its_schema_is_400(gateway, body, path):
    response = await gateway.client.post("/v1/media", json=body, headers=AUTH_A)
    assert_error(response, 400, "invalid_request", path)
