"""POST /v1/reports/jobs rejects what the contract rejects, with the JSON path at fault."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.helpers import assert_error, create_media, job_body
from tests.support.names import UNRESOLVED_HOOK
from tests.support.tenants import AUTH_A

TARGET = {"strategy": "dominant", "on_miss": "error"}


def _with(path: str, value: Any) -> dict[str, Any]:
    """A valid body with one value replaced; `path` is slash separated."""
    body = job_body("MEDIA")
    node = body
    *parents, last = path.strip("/").split("/")
    for part in parents:
        node = node[part]
    node[last] = value
    return body


REJECTED = [
    ("unknown top-level field", _with("/color", "red"), "/color"),
    ("unknown field in target", _with("/target/who", "x"), "/target/who"),
    ("unknown field in media", _with("/media/url", "x"), "/media/url"),
    ("mediaId of the wrong type", _with("/media/mediaId", 5), "/media/mediaId"),
    ("template outside the enum", _with("/output/template", "horoscope"), "/output/template"),
    ("strategy outside the enum", _with("/target/strategy", "loudest"), "/target/strategy"),
    ("on_miss outside the enum", _with("/target/on_miss", "ignore"), "/target/on_miss"),
    ("label longer than 64", _with("/label", "x" * 65), "/label"),
    ("empty label", _with("/label", ""), "/label"),
    ("entityLabel longer than 64", _with("/entityLabel", "x" * 65), "/entityLabel"),
    ("entity_id longer than 256", _with("/target/entity_id", "x" * 257), "/target/entity_id"),
    ("hint longer than 1024", _with("/target/hint", "x" * 1025), "/target/hint"),
    ("entity_id of the wrong type", _with("/target/entity_id", 7), "/target/entity_id"),
    ("negative start_seconds", _with("/target/timerange", {"start_seconds": -1}), "/target/timerange/start_seconds"),
    ("unknown field in timerange", _with("/target/timerange", {"from": 1}), "/target/timerange/from"),
    ("templateParams not an object", _with("/output/templateParams", []), "/output/templateParams"),
    ("idempotencyKey not a string", _with("/idempotencyKey", 12), "/idempotencyKey"),
    ("webhook url not a URI", _with("/webhook", {"url": "not a uri"}), "/webhook/url"),
    (
        "webhook header value not a string",
        _with("/webhook", {"url": UNRESOLVED_HOOK, "headers": {"x": 1}}),
        "/webhook/headers/x",
    ),
    ("webhook without url", _with("/webhook", {}), "/webhook/url"),
    ("missing target", {k: v for k, v in job_body("MEDIA").items() if k != "target"}, "/target"),
    ("missing on_miss", _with("/target", {"strategy": "dominant"}), "/target/on_miss"),
    ("missing template", _with("/output", {}), "/output/template"),
    (
        "entity_id strategy without entity_id",
        _with("/target", {**TARGET, "strategy": "entity_id"}),
        "/target/entity_id",
    ),
    (
        "entity_id strategy with a null entity_id",
        _with("/target", {**TARGET, "strategy": "entity_id", "entity_id": None}),
        "/target/entity_id",
    ),
    ("magic_hint strategy without hint", _with("/target", {**TARGET, "strategy": "magic_hint"}), "/target/hint"),
    (
        "timerange strategy without timerange",
        _with("/target", {**TARGET, "strategy": "timerange"}),
        "/target/timerange",
    ),
    (
        "timerange that ends before it starts",
        _with("/target", {**TARGET, "strategy": "timerange", "timerange": {"start_seconds": 9, "end_seconds": 3}}),
        "/target/timerange/end_seconds",
    ),
    (
        "timerange that ends where it starts",
        _with("/target", {**TARGET, "strategy": "timerange", "timerange": {"start_seconds": 3, "end_seconds": 3}}),
        "/target/timerange/end_seconds",
    ),
]


@pytest.mark.parametrize(("body", "path"), [(b, p) for _, b, p in REJECTED], ids=[n for n, _, _ in REJECTED])
async def test_create_job_is_rejected_with_the_field_path_when_the_body_breaks_the_contract(gateway, body, path):
    response = await gateway.client.post("/v1/reports/jobs", json=body, headers=AUTH_A)
    assert_error(response, 400, "invalid_request", path)


async def test_create_job_accepts_every_optional_field_when_they_are_valid(gateway):
    media_id = await create_media(gateway.client, AUTH_A)
    body = job_body(
        media_id,
        label="Q3 deal",
        entityLabel="Ana (CFO)",
        idempotencyKey="k-1",
        output={"template": "general_report", "templateParams": {"relationship": "their manager"}},
        target={
            "strategy": "timerange",
            "on_miss": "fallback_dominant",
            "entity_id": None,
            "hint": None,
            "timerange": {"start_seconds": None, "end_seconds": 12.5},
        },
        webhook={"url": UNRESOLVED_HOOK, "headers": {"x-team": "sales"}},
    )
    response = await gateway.client.post("/v1/reports/jobs", json=body, headers=AUTH_A)
    assert response.status_code == 202, response.text
    reply = response.json()
    assert set(reply) == {"jobId", "status", "stage", "estimatedWaitSec"}
    assert reply["status"] == "queued"
    job = (await gateway.client.get(f"/v1/jobs/{reply['jobId']}", headers=AUTH_A)).json()
    assert job["label"] == "Q3 deal"
    assert job["target"]["timerange"] == {"start_seconds": None, "end_seconds": 12.5}


async def test_create_job_is_404_when_the_media_does_not_exist(gateway):
    response = await gateway.client.post("/v1/reports/jobs", json=job_body("med_nope"), headers=AUTH_A)
    assert_error(response, 404, "media_not_found")


async def test_create_job_is_400_when_template_params_name_an_unknown_variable(gateway):
    media_id = await create_media(gateway.client, AUTH_A)
    body = job_body(media_id, output={"template": "sales_playbook", "templateParams": {"favourite_colour": "red"}})
    response = await gateway.client.post("/v1/reports/jobs", json=body, headers=AUTH_A)
    assert_error(response, 400, "invalid_template_params", "/output/templateParams/favourite_colour")


async def test_malformed_json_is_400(gateway):
    response = await gateway.client.post(
        "/v1/reports/jobs", content=b'{"media": ', headers={**AUTH_A, "Content-Type": "application/json"}
    )
    assert_error(response, 400, "invalid_json")


@pytest.mark.parametrize("raw", [b"[]", b'"text"', b"42", b"null"])
async def test_a_body_that_is_not_an_object_is_400(gateway, raw):
    response = await gateway.client.post(
        "/v1/reports/jobs", content=raw, headers={**AUTH_A, "Content-Type": "application/json"}
    )
    assert_error(response, 400, "invalid_body")


async def test_nan_is_not_json(gateway):
    response = await gateway.client.post(
        "/v1/reports/jobs", content=b'{"label": NaN}', headers={**AUTH_A, "Content-Type": "application/json"}
    )
    assert_error(response, 400, "invalid_json")


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
async def test_a_body_that_is_not_declared_json_is_415(gateway, content_type):
    headers = dict(AUTH_A)
    if content_type:
        headers["Content-Type"] = content_type
    response = await gateway.client.post("/v1/reports/jobs", content=b"{}", headers=headers)
    assert_error(response, 415, "unsupported_media_type")


async def test_a_job_body_over_one_mebibyte_is_413(gateway):
    body = job_body("MEDIA", output={"template": "sales_playbook", "templateParams": {"x": "y" * (1024 * 1024)}})
    response = await gateway.client.post("/v1/reports/jobs", json=body, headers=AUTH_A)
    assert_error(response, 413, "body_too_large")


async def test_a_media_body_over_twenty_mebibytes_is_413(gateway):
    segment = {"speaker": "a", "start": 0, "end": 1, "text": "word " * 1000}
    body = {"transcript": {"format": "segments", "content": [segment] * 4300}}
    response = await gateway.client.post("/v1/media", json=body, headers=AUTH_A)
    assert_error(response, 413, "body_too_large")


async def test_a_missing_on_miss_says_what_it_may_be(gateway):
    c = gateway.client
    media_id = await create_media(c, AUTH_A)
    response = await c.post(
        "/v1/reports/jobs", json=job_body(media_id, target={"strategy": "dominant"}), headers=AUTH_A
    )
    error = assert_error(response, 400, "invalid_request", "/target/on_miss")
    assert error["message"] == (
        "/target/on_miss: 'on_miss' is required: one of 'fallback_dominant', 'error' ('error' is the usual choice)"
    )
