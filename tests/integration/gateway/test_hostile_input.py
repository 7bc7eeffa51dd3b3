"""The regression corpus of issue 13: hostile bodies and values through the gateway and a real store.

Every probe answers a 4xx with the one error shape, never a 5xx, never gRPC's own text, and with a
short body whatever it sent; afterwards the tenant's lists still answer 200.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.integration.helpers import SEGMENTS, assert_error, create_media, job_body, media_body
from tests.support.names import UNRESOLVED_HOOK
from tests.support.tenants import AUTH_A

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "transcripts"
JSON = {**AUTH_A, "Content-Type": "application/json"}
LISTS = ["/v1/jobs", "/v1/jobs?status=failed", "/v1/media", "/v1/reports"]
SURROGATE = "\\ud800"  # as JSON text: a lone surrogate


async def _tenant_still_reads(client) -> None:
    for path in LISTS:
        response = await client.get(path, headers=AUTH_A)
        assert response.status_code == 200, (path, response.text)


def _assert_small_client_error(response, status: int, code: str) -> None:
    assert_error(response, status, code)
    assert len(response.content) < 8 * 1024, len(response.content)
    assert "grpc" not in response.text.lower() and "metadata" not in response.text.lower()


def _raw_job(media_id: str, **replace_raw: str) -> bytes:
    """A job body as text, with some values replaced by raw JSON text (which json.dumps cannot write)."""
    body = job_body(media_id, **{k: f"@@{k}@@" for k in replace_raw})
    text = json.dumps(body)
    for key, raw in replace_raw.items():
        text = text.replace(f'"@@{key}@@"', raw)
    return text.encode()


JOB_PROBES = [
    (
        "timerange end at 1e999 (infinity)",
        {
            "target": '{"strategy": "timerange", "on_miss": "error", '
            '"timerange": {"start_seconds": 0, "end_seconds": 1e999}}'
        },
    ),
    ("a lone surrogate in the label", {"label": f'"x{SURROGATE}"'}),
    ("a lone surrogate in the idempotency key", {"idempotencyKey": f'"k{SURROGATE}"'}),
    ("a lone surrogate in the entity label", {"entityLabel": f'"{SURROGATE}"'}),
    (
        "a lone surrogate in the hint",
        {"target": f'{{"strategy": "magic_hint", "on_miss": "error", "hint": "the {SURROGATE} one"}}'},
    ),
    ("a 4,000-digit integer", {"label": "9" * 4000}),
    (
        "templateParams nested 64 deep",
        {"output": '{"template": "general_report", "templateParams": ' + '{"a": ' * 64 + "1" + "}" * 64 + "}"},
    ),
    ("duplicate keys", {"label": '"one", "label": "two"'}),
    ("NaN", {"label": "NaN"}),
]


@pytest.mark.parametrize("replace", [r for _, r in JOB_PROBES], ids=[n for n, _ in JOB_PROBES])
async def test_a_hostile_job_body_is_400_and_the_tenant_still_reads(gateway, replace):
    media_id = await create_media(gateway.client, AUTH_A)
    response = await gateway.client.post("/v1/reports/jobs", content=_raw_job(media_id, **replace), headers=JSON)
    _assert_small_client_error(response, 400, "invalid_json")
    await _tenant_still_reads(gateway.client)


async def test_json_nested_a_thousand_deep_is_400(gateway):
    response = await gateway.client.post("/v1/reports/jobs", content=b"[" * 1000 + b"]" * 1000, headers=JSON)
    _assert_small_client_error(response, 400, "invalid_json")


CAPPED = [
    ("an idempotency key over 255", {"idempotencyKey": "k" * 256}, "/idempotencyKey"),
    ("a megabyte media id", {"media": {"mediaId": "m" * 1_000_000}}, "/media/mediaId"),
    ("a media id with a slash", {"media": {"mediaId": "med/../x"}}, "/media/mediaId"),
    (
        "templateParams nested 9 deep",
        {"output": {"template": "general_report", "templateParams": json.loads('{"a": ' * 9 + "1" + "}" * 9)}},
        "/output/templateParams",
    ),
    (
        "a webhook header value with non-ASCII",
        {"webhook": {"url": UNRESOLVED_HOOK, "headers": {"x-team": "sälës"}}},
        None,
    ),
    (
        "a webhook header name of 300 characters",
        {"webhook": {"url": UNRESOLVED_HOOK, "headers": {"x" * 300: "v"}}},
        None,
    ),
]


@pytest.mark.parametrize(("overrides", "path"), [(o, p) for _, o, p in CAPPED], ids=[n for n, _, _ in CAPPED])
async def test_a_value_over_a_cap_is_400_naming_its_field(gateway, overrides, path):
    response = await gateway.client.post("/v1/reports/jobs", json=job_body("med_x", **overrides), headers=AUTH_A)
    assert response.status_code == 400, response.text
    assert len(response.content) < 8 * 1024
    if path is not None:
        assert path in [d["path"] for d in response.json()["error"]["details"]]


async def test_an_idempotency_key_of_255_is_accepted(gateway):
    media_id = await create_media(gateway.client, AUTH_A)
    response = await gateway.client.post(
        "/v1/reports/jobs", json=job_body(media_id, idempotencyKey="k" * 255), headers=AUTH_A
    )
    assert response.status_code == 202, response.text


async def test_segments_ending_at_1e308_are_400_and_nothing_is_stored(gateway):
    body = media_body(
        transcript={
            "format": "segments",
            "content": [
                {"speaker": "a", "start": 0, "end": 1e308, "text": "hi"},
                {"speaker": "b", "start": 1, "end": 1e308, "text": "hello"},
            ],
        }
    )
    response = await gateway.client.post("/v1/media", json=body, headers=AUTH_A)
    _assert_small_client_error(response, 400, "invalid_transcript")
    assert (await gateway.client.get("/v1/media", headers=AUTH_A)).json()["items"] == []


@pytest.mark.parametrize("field", ["title", "speaker label"])
async def test_a_lone_surrogate_in_a_media_body_is_400(gateway, field):
    body = (
        media_body(speakers=[{"id": "ana", "label": "@@x@@"}])
        if field == "speaker label"
        else media_body(title="@@x@@")
    )
    raw = json.dumps(body).replace('"@@x@@"', f'"{SURROGATE}"').encode()
    response = await gateway.client.post("/v1/media", content=raw, headers=JSON)
    _assert_small_client_error(response, 400, "invalid_json")
    await _tenant_still_reads(gateway.client)


async def test_two_hundred_unknown_speaker_ids_are_a_short_400_not_a_429(gateway):
    body = media_body(speakers=[{"id": f"nobody-{i}-" + "x" * 200} for i in range(200)])
    response = await gateway.client.post("/v1/media", json=body, headers=AUTH_A)
    _assert_small_client_error(response, 400, "unknown_speaker")


async def test_a_transcript_of_100000_distinct_speakers_is_413_at_once(gateway):
    content = [{"speaker": f"s{i}", "start": i, "end": i + 1, "text": "hi"} for i in range(100_000)]
    response = await gateway.client.post(
        "/v1/media", json={"transcript": {"format": "segments", "content": content}}, headers=AUTH_A
    )
    _assert_small_client_error(response, 413, "transcript_too_large")


async def test_a_transcript_over_the_speaker_cap_is_413_naming_the_cap(gateway):
    content = [{"speaker": f"s{i}", "start": i, "end": i + 1, "text": "hi"} for i in range(201)]
    response = await gateway.client.post(
        "/v1/media", json={"transcript": {"format": "segments", "content": content}}, headers=AUTH_A
    )
    error = assert_error(response, 413, "transcript_too_large")
    assert "200 speakers" in error["message"]


async def test_a_large_invalid_body_is_answered_without_echoing_it(gateway):
    huge = "x" * 1_300_000
    response = await gateway.client.post("/v1/media", json=media_body(title=huge), headers=AUTH_A)
    _assert_small_client_error(response, 400, "invalid_request")


@pytest.mark.parametrize(
    "path",
    [
        "/v1/jobs/" + "j" * 10_000,
        "/v1/media/" + "m" * 10_000,
        "/v1/reports/" + "r" * 10_000,
        "/v1/reports/by-job/" + "j" * 10_000,
        "/v1/media/med%20x",
        "/v1/jobs/%F0%9F%98%80",
    ],
)
async def test_an_id_no_id_could_be_is_404(gateway, path):
    response = await gateway.client.get(path, headers=AUTH_A)
    assert response.status_code == 404, response.text
    assert len(response.content) < 1024


@pytest.mark.parametrize("query", ["limit=%C2%B2", "limit=" + "9" * 5000, "cursor=" + "c" * 5000, "cursor=%00"])
async def test_a_hostile_query_value_is_400(gateway, query):
    for path in ("/v1/jobs", "/v1/media", "/v1/reports"):
        response = await gateway.client.get(f"{path}?{query}", headers=AUTH_A)
        assert response.status_code == 400, response.text
        assert len(response.content) < 1024


REAL = [
    ("ami-es2011a.segments.json", "segments"),
    ("buzzsprout-qa.srt", "srt"),
    ("buzzsprout-qa.vtt", "webvtt"),
    ("dosparlants.whisper.json", "whisperx"),
    ("spacewalk.assemblyai.json", "assemblyai"),
    ("spacewalk.deepgram.json", "deepgram"),
    ("dosparlants.srt", "srt"),
]


def _real(name: str, format_: str) -> dict[str, Any]:
    text = (FIXTURES / name).read_text(encoding="utf-8")
    return {"title": name, "transcript": {"format": format_, "content": text}}


@pytest.mark.parametrize(("name", "format_"), REAL, ids=[n for n, _ in REAL])
async def test_a_real_transcript_is_accepted_and_read_back_and_its_hostile_variants_are_400(gateway, name, format_):
    c = gateway.client
    created = await c.post("/v1/media", json=_real(name, format_), headers=AUTH_A)
    assert created.status_code == 201, created.text
    media_id = created.json()["mediaId"]
    assert (await c.get(f"/v1/media/{media_id}", headers=AUTH_A)).status_code == 200
    assert media_id in [m["mediaId"] for m in (await c.get("/v1/media", headers=AUTH_A)).json()["items"]]

    body = _real(name, format_)
    text = body["transcript"]["content"]
    # A NUL in the middle of a real file; and the file's first number turned into infinity.
    middle = len(text) // 2
    with_nul = {**body, "transcript": {**body["transcript"], "content": text[:middle] + "\x00" + text[middle:]}}
    response = await c.post("/v1/media", json=with_nul, headers=AUTH_A)
    _assert_small_client_error(response, 400, "invalid_json")
    if format_ not in ("webvtt", "srt"):
        infinite = re.sub(r'("(?:end|start)"\s*:\s*)[0-9.]+', r"\g<1>1e999", text, count=1)
        response = await c.post(
            "/v1/media", json={**body, "transcript": {**body["transcript"], "content": infinite}}, headers=AUTH_A
        )
        assert response.status_code == 400, response.text
    await _tenant_still_reads(c)


async def test_ordinary_segments_still_work(gateway):
    response = await gateway.client.post("/v1/media", json={"transcript": {"content": SEGMENTS}}, headers=AUTH_A)
    assert response.status_code == 201, response.text


async def test_a_stored_row_json_cannot_carry_is_left_out_of_lists_and_the_rest_is_answered(
    gateway, store_stub, caplog
):
    from reports.v1 import store_pb2, target_pb2

    c = gateway.client
    media_id = await create_media(c, AUTH_A)
    readable = (await c.post("/v1/reports/jobs", json=job_body(media_id), headers=AUTH_A)).json()["jobId"]
    # Written past the gateway, as rows stored before today's rules were: an infinite end time.
    target = target_pb2.Target(strategy="timerange", on_miss="error")
    target.timerange.end_seconds = float("inf")
    await store_stub.CreateJob(
        store_pb2.CreateJobRequest(
            tenant="tenant-a", media_id=media_id, template="sales_playbook", target=target, request_fingerprint="f"
        )
    )
    stored = (
        await store_stub.CreateJob(
            store_pb2.CreateJobRequest(
                tenant="tenant-a", media_id=media_id, template="sales_playbook", target=target, request_fingerprint="g"
            )
        )
    ).job_id
    for path in ("/v1/jobs", "/v1/jobs?status=queued"):
        response = await c.get(path, headers=AUTH_A)
        assert response.status_code == 200, response.text
        assert [j["jobId"] for j in response.json()["items"]] == [readable]
    assert any(r.getMessage() == "unreadable row left out of a list" for r in caplog.records)
    # Read on its own, it is answered with null where JSON has no number (and can be canceled).
    for answer in (
        await c.get(f"/v1/jobs/{stored}", headers=AUTH_A),
        await c.post(f"/v1/jobs/{stored}/cancel", headers=AUTH_A),
    ):
        assert answer.status_code == 200, answer.text
        assert answer.json()["target"]["timerange"]["end_seconds"] is None


async def test_a_5xx_is_one_log_line_with_its_request_id(gateway, caplog):
    from services.common.context import ContextFilter

    # The resolver is not running in this fixture: resolving is a 503.
    media_id = await create_media(gateway.client, AUTH_A)
    with caplog.at_level("WARNING", logger="services.gateway.errors"):
        caplog.handler.addFilter(ContextFilter())
        response = await gateway.client.post(
            f"/v1/media/{media_id}/resolve",
            json={"strategy": "dominant", "on_miss": "error"},
            headers={**AUTH_A, "X-Request-Id": "req-5xx-1"},
        )
    assert response.status_code == 503
    [line] = [r for r in caplog.records if r.name == "services.gateway.errors"]
    assert (line.status, line.code, line.requestId) == (503, "unavailable", "req-5xx-1")
