"""Property: whatever the gateway accepts can be read back, and nothing a client sends is a 5xx.

Hypothesis writes media and job bodies from arbitrary text (NUL, controls, lone surrogates, emoji),
arbitrary numbers (huge, negative, NaN, infinity, big integers) and arbitrary JSON in templateParams,
sends them through the gateway to a real store, and checks: no 5xx; every 2xx is readable by its
GET and appears in every list it belongs to. The number of examples is bounded (and derandomized) so
CI runs it in seconds; REPORTS_FUZZ_EXAMPLES=1000 REPORTS_FUZZ_RANDOM=1 searches longer and wider.
"""

from __future__ import annotations

import json
import os
from typing import Any
from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.integration.helpers import create_media
from tests.support.names import LOOPBACK_HOOK, UNRESOLVED_HOOK
from tests.support.tenants import AUTH_A

EXAMPLES = int(os.environ.get("REPORTS_FUZZ_EXAMPLES", "25"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=os.environ.get("REPORTS_FUZZ_RANDOM") != "1",
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
JSON = {**AUTH_A, "Content-Type": "application/json"}

# Every code point, lone surrogates included (json.dumps writes them as \ud800 escapes); and, as
# often, ordinary text and numbers, so that many bodies are accepted and the read-back is exercised.
ANY_CHAR = st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=())
PLAIN = st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=1, max_size=30)
HOSTILE_TEXT = st.text(ANY_CHAR, max_size=40) | st.sampled_from(["", " ", "x" * 300, "\x00", "\ud800", "😀"])
TEXT = PLAIN | PLAIN | HOSTILE_TEXT
SECONDS = st.floats(min_value=0, max_value=1e5, allow_nan=False)
HOSTILE_NUMBER = st.floats(allow_nan=True, allow_infinity=True) | st.integers(min_value=-(2**70), max_value=2**70)
NUMBER = SECONDS | SECONDS | HOSTILE_NUMBER
JSON_VALUE = st.recursive(
    st.none() | st.booleans() | NUMBER | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=12,
)


def _raw(body: Any) -> bytes:
    """JSON text as a careless client writes it: NaN and Infinity included, surrogates escaped."""
    return json.dumps(body).encode()


def _assert_no_5xx(response) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code < 500, (response.status_code, response.text[:500])
    assert len(response.content) < 16 * 1024 or response.status_code < 300


TIMED = st.tuples(SECONDS, st.floats(min_value=0.01, max_value=600)).map(lambda t: (t[0], t[0] + t[1]))
SEGMENT = st.builds(
    lambda speaker, times, text: {"speaker": speaker, "start": times[0], "end": times[1], "text": text},
    st.sampled_from(["ana", "ben", "SPEAKER_00"]) | TEXT | st.integers(-5, 5),
    TIMED | TIMED | st.tuples(NUMBER, NUMBER),
    TEXT,
)
MEDIA = st.fixed_dictionaries(
    {
        "transcript": st.fixed_dictionaries(
            {"content": st.lists(SEGMENT, min_size=1, max_size=4)},
            optional={"format": st.sampled_from(["segments", "whisperx", "srt"])},
        )
    },
    optional={
        "title": TEXT,
        "url": st.just("https://media.test/call.mp3") | TEXT,
        "speakers": st.lists(
            st.fixed_dictionaries(
                {"id": st.sampled_from(["ana", "ben"]) | TEXT}, optional={"label": TEXT, "description": TEXT}
            ),
            max_size=2,
        ),
    },
)


@FUZZ
@given(body=MEDIA)
async def test_accepted_media_is_readable_by_its_get_and_the_list(gateway, body):
    c = gateway.client
    response = await c.post("/v1/media", content=_raw(body), headers=JSON)
    _assert_no_5xx(response)
    if response.status_code == 201:
        media_id = response.json()["mediaId"]
        got = await c.get(f"/v1/media/{media_id}", headers=AUTH_A)
        assert got.status_code == 200, got.text
        assert got.json() == response.json()
        listed = await c.get("/v1/media?limit=100", headers=AUTH_A)
        assert listed.status_code == 200, listed.text
        assert media_id in [m["mediaId"] for m in listed.json()["items"]]


TARGET = st.fixed_dictionaries(
    {
        "strategy": st.sampled_from(["dominant", "timerange", "entity_id", "magic_hint"]),
        "on_miss": st.sampled_from(["error", "fallback_dominant"]),
    },
    optional={
        "entity_id": TEXT | st.none(),
        "hint": TEXT | st.none(),
        "timerange": st.none()
        | st.fixed_dictionaries({}, optional={"start_seconds": NUMBER | st.none(), "end_seconds": NUMBER | st.none()}),
    },
)
JOB_FIELDS = st.fixed_dictionaries(
    {
        "target": TARGET,
        "output": st.fixed_dictionaries(
            {"template": st.sampled_from(["sales_playbook", "general_report"])},
            optional={"templateParams": st.dictionaries(TEXT, JSON_VALUE, max_size=3)},
        ),
    },
    optional={
        "label": TEXT,
        "entityLabel": TEXT,
        "idempotencyKey": TEXT,
        "webhook": st.fixed_dictionaries(
            {"url": st.sampled_from([UNRESOLVED_HOOK, LOOPBACK_HOOK, "ftp://x"]) | TEXT},
            optional={"headers": st.dictionaries(TEXT, TEXT, max_size=2)},
        ),
    },
)


@FUZZ
@given(fields=JOB_FIELDS)
async def test_an_accepted_job_is_readable_by_its_get_and_every_list(gateway, fields):
    c = gateway.client
    media_id = await create_media(c, AUTH_A)
    response = await c.post("/v1/reports/jobs", content=_raw({"media": {"mediaId": media_id}, **fields}), headers=JSON)
    _assert_no_5xx(response)
    if response.status_code == 202:
        job_id = response.json()["jobId"]
        got = await c.get(f"/v1/jobs/{job_id}", headers=AUTH_A)
        assert got.status_code == 200, got.text
        for path in ("/v1/jobs?limit=100", "/v1/jobs?status=queued&limit=100"):
            listed = await c.get(path, headers=AUTH_A)
            assert listed.status_code == 200, listed.text
            assert job_id in [j["jobId"] for j in listed.json()["items"]]


@FUZZ
@given(
    raw=st.binary(max_size=200) | TEXT.map(lambda t: t.encode("utf-8", "surrogatepass")),
    path=st.sampled_from(["/v1/media", "/v1/reports/jobs", "/v1/media/med_x/resolve"]),
)
async def test_any_bytes_as_a_body_are_never_a_5xx(gateway, raw, path):
    _assert_no_5xx(await gateway.client.post(path, content=raw, headers=JSON))


@FUZZ
@given(
    value=TEXT,
    name=st.sampled_from(["limit", "cursor", "status"]),
    path=st.sampled_from(["/v1/jobs", "/v1/media", "/v1/reports"]),
)
async def test_any_query_value_is_never_a_5xx(gateway, value, name, path):
    response = await gateway.client.get(
        path, params={name: value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")}, headers=AUTH_A
    )
    _assert_no_5xx(response)


@FUZZ
@given(ident=TEXT, path=st.sampled_from(["/v1/jobs/{}", "/v1/media/{}", "/v1/reports/{}", "/v1/reports/by-job/{}"]))
async def test_any_id_in_a_path_is_never_a_5xx(gateway, ident, path):
    encoded = quote(ident.encode("utf-8", "surrogatepass"), safe="")
    _assert_no_5xx(await gateway.client.get(path.format(encoded or "x"), headers=AUTH_A))
