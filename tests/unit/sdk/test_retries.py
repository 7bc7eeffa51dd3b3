"""Which failures the SDK retries, how long it waits, and which it never retries (media creation)."""

from __future__ import annotations

import json

import httpx
import pytest

from reports_sdk import (
    APIConnectionError,
    APITimeoutError,
    AsyncClient,
    Client,
    InvalidRequest,
    NotFound,
    RateLimited,
    ServerError,
    ServiceUnavailable,
    _base,
)

MEDIA = {
    "mediaId": "med_1",
    "title": "t",
    "url": None,
    "durationSec": 1.0,
    "transcriptFormat": "segments",
    "createdAt": "2026-01-01T00:00:00.000Z",
    "entities": [],
}
CREATED = {"jobId": "job_1", "status": "queued", "stage": "queued", "estimatedWaitSec": 1}
ERROR_503 = {"error": {"code": "unavailable", "message": "a backend service is unavailable", "details": []}}

Answer = httpx.Response | Exception


class Script:
    """A transport that answers each request with the next scripted answer, and records them."""

    def __init__(self, *answers: Answer) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def bodies(self) -> list[dict]:
        return [json.loads(r.content) for r in self.requests]


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    slept: list[float] = []
    monkeypatch.setattr("reports_sdk._http.time.sleep", slept.append)

    async def no_wait(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr("reports_sdk._http.asyncio.sleep", no_wait)
    return slept


def client_for(script: Script, max_retries: int = 2) -> Client:
    return Client(
        "http://api.test",
        "key",
        max_retries=max_retries,
        http_client=httpx.Client(transport=httpx.MockTransport(script)),
    )


def json_response(status: int, body: object, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


def connect_error() -> httpx.ConnectError:
    return httpx.ConnectError("connection refused")


def read_error() -> httpx.ReadError:
    return httpx.ReadError("connection reset after the request was sent")


def test_a_read_is_retried_on_503_then_succeeds(sleeps: list[float]):
    script = Script(json_response(503, ERROR_503), json_response(504, ERROR_503), json_response(200, MEDIA))
    assert client_for(script).media.get("med_1").media_id == "med_1"
    assert len(script.requests) == 3 and len(sleeps) == 2
    assert script.requests[0].headers["authorization"] == "Bearer key"


def test_retries_stop_at_max_retries_and_raise_the_typed_error(sleeps: list[float]):
    script = Script(*[json_response(503, ERROR_503)] * 3)
    with pytest.raises(ServiceUnavailable) as failure:
        client_for(script).jobs.get("job_1")
    assert len(script.requests) == 3 and failure.value.status == 503 and failure.value.code == "unavailable"
    script = Script(json_response(503, ERROR_503))
    with pytest.raises(ServiceUnavailable):
        client_for(script, max_retries=0).jobs.get("job_1")
    assert len(script.requests) == 1


def test_429_waits_the_servers_retry_after(sleeps: list[float]):
    limited = json_response(
        429, {"error": {"code": "rate_limited", "message": "slow down", "details": []}}, {"Retry-After": "7"}
    )
    script = Script(limited, json_response(200, MEDIA))
    client_for(script).media.get("med_1")
    assert sleeps == [7.0]
    with pytest.raises(RateLimited) as failure:
        client_for(Script(limited), max_retries=0).media.get("med_1")
    assert failure.value.retry_after == 7.0
    assert str(failure.value).endswith("rate_limited: slow down; retry after 7 s")


def test_the_cli_says_when_to_retry_a_429():
    import io

    from reports_sdk.cli import _print_error

    err = io.StringIO()
    _print_error(RateLimited("slow down", status=429, code="rate_limited", retry_after=3.0), err)
    assert err.getvalue() == ("reports: error 429 rate_limited: slow down\n  retry after 3 s (the API's Retry-After)\n")


@pytest.mark.parametrize(("status", "error"), [(500, ServerError), (404, NotFound), (400, InvalidRequest)])
def test_errors_that_retrying_cannot_fix_are_raised_at_once(sleeps: list[float], status: int, error: type):
    script = Script(
        json_response(
            status,
            {"error": {"code": "x", "message": "m", "details": [{"path": "/a", "message": "bad"}]}},
            {"x-request-id": "req_1"},
        )
    )
    with pytest.raises(error) as failure:
        client_for(script).reports.get("rep_1")
    assert len(script.requests) == 1 and sleeps == []
    assert failure.value.request_id == "req_1" and failure.value.details[0].path == "/a"


def test_media_create_is_not_retried_after_an_ambiguous_failure(sleeps: list[float]):
    for answer in (json_response(503, ERROR_503), json_response(504, ERROR_503)):
        script = Script(answer, json_response(201, MEDIA))
        with pytest.raises(ServiceUnavailable):
            client_for(script).media.create([{"speaker": "a", "start": 0, "end": 1, "text": "hi"}])
        assert len(script.requests) == 1
    script = Script(read_error(), json_response(201, MEDIA))
    with pytest.raises(APIConnectionError):
        client_for(script).media.create("WEBVTT\n")
    assert len(script.requests) == 1


def test_media_create_is_retried_when_the_request_was_never_sent_or_refused_with_429(sleeps: list[float]):
    script = Script(connect_error(), json_response(429, ERROR_503), json_response(201, MEDIA))
    assert client_for(script).media.create("WEBVTT\n").media_id == "med_1"
    assert len(script.requests) == 3


def test_job_create_is_retried_after_a_lost_answer_with_the_same_idempotency_key(sleeps: list[float]):
    script = Script(
        read_error(), json_response(503, ERROR_503), json_response(202, CREATED, {"Idempotent-Replayed": "true"})
    )
    job = client_for(script).reports.create(media_id="med_1", template="sales_playbook")
    keys = {b["idempotencyKey"] for b in script.bodies()}
    assert len(script.requests) == 3 and len(keys) == 1 and keys.pop().startswith("sdk-")
    assert job.id == "job_1" and job.replayed
    first = client_for(Script(json_response(202, CREATED))).reports.create(
        media_id="m", template="sales_playbook", idempotency_key="mine"
    )
    assert first.created is not None and first.created.estimated_wait_sec == 1.0


def test_connection_failures_end_as_connection_errors(sleeps: list[float]):
    with pytest.raises(APIConnectionError) as refused:
        client_for(Script(*[connect_error()] * 3)).jobs.get("job_1")
    assert refused.value.status is None and not isinstance(refused.value, APITimeoutError)
    with pytest.raises(APITimeoutError):
        client_for(Script(*[httpx.ReadTimeout("slow")] * 3)).jobs.get("job_1")


def test_a_connection_error_without_a_message_is_named_by_its_kind(sleeps: list[float]):
    with pytest.raises(APITimeoutError) as timed_out:
        client_for(Script(*[httpx.ReadTimeout("")] * 3)).jobs.get("job_1")
    assert str(timed_out.value).endswith("timed out: ReadTimeout")


def test_a_non_json_error_body_still_gives_a_typed_error(sleeps: list[float]):
    script = Script(httpx.Response(502, text="Bad Gateway from the proxy"))
    with pytest.raises(ServiceUnavailable) as failure:
        client_for(script, max_retries=0).jobs.get("job_1")
    assert failure.value.code == "http_502" and "proxy" in failure.value.message


def test_backoff_grows_exponentially_with_jitter_and_a_cap():
    for attempt in range(8):
        step = min(_base.BACKOFF_MAX_S, _base.BACKOFF_BASE_S * 2**attempt)
        delays = {_base.backoff(attempt) for _ in range(20)}
        assert all(step / 2 <= d <= step for d in delays) and len(delays) > 1
    assert _base.backoff(0, retry_after=3) == 3
    assert _base.backoff(0, retry_after=10_000) == _base.RETRY_AFTER_MAX_S


async def test_the_async_client_retries_the_same_way(sleeps: list[float]):
    script = Script(connect_error(), json_response(503, ERROR_503), json_response(200, MEDIA))
    async with AsyncClient(
        "http://api.test", "key", http_client=httpx.AsyncClient(transport=httpx.MockTransport(script))
    ) as client:
        assert (await client.media.get("med_1")).media_id == "med_1"
    assert len(script.requests) == 3
    script = Script(json_response(503, ERROR_503), json_response(201, MEDIA))
    async with AsyncClient(
        "http://api.test", "key", http_client=httpx.AsyncClient(transport=httpx.MockTransport(script))
    ) as client:
        with pytest.raises(ServiceUnavailable):
            await client.media.create("WEBVTT\n")
    assert len(script.requests) == 1


def test_ids_are_escaped_into_one_path_segment():
    script = Script(json_response(200, MEDIA))
    client_for(script).media.get("a/b?c")
    assert script.requests[0].url.raw_path == b"/v1/media/a%2Fb%3Fc"
