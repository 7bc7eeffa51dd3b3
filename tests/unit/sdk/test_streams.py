"""The SSE decoder, and a job stream that reconnects, resumes and ends, against scripted answers."""

from __future__ import annotations

import json

import httpx
import pytest

from reports_sdk import Client, JobTimeout, NotFound
from reports_sdk._sse import SSEDecoder

JOB = {
    "jobId": "job_1",
    "status": "running",
    "stage": "rendering",
    "label": None,
    "mediaId": "med_1",
    "template": "sales_playbook",
    "target": {"strategy": "dominant", "on_miss": "error"},
    "createdAt": "2026-01-01T00:00:00.000Z",
    "updatedAt": "2026-01-01T00:00:01.000Z",
    "reportId": None,
    "error": None,
    "resolution": None,
}


def event(seq: int, status: str, stage: str) -> str:
    data = {
        "jobId": "job_1",
        "status": status,
        "stage": stage,
        "reportId": "rep_1" if status == "succeeded" else None,
        "error": None,
        "at": "2026-01-01T00:00:00.000Z",
    }
    return f"id: {seq}\nevent: status\ndata: {json.dumps(data)}\n\n"


def decode(text: str) -> list:
    decoder = SSEDecoder()
    return [e for line in text.splitlines() if (e := decoder.feed(line)) is not None]


def test_the_decoder_follows_the_event_stream_format():
    events = decode(
        ': ping\n\nid: 7\nevent: status\ndata: {"a":\ndata: 1}\nretry: 2500\n\ndata: no id or event\n\nevent: empty\n\n'
    )
    assert [(e.event, e.data, e.id, e.retry) for e in events] == [
        ("status", '{"a":\n1}', "7", 2500),
        ("message", "no id or event", "7", 2500),
    ]


class StreamScript:
    """GET /events answers from `streams`, one per connection; GET /v1/jobs/job_1 answers `job`."""

    def __init__(self, *streams: httpx.Response | Exception, job: dict | None = None) -> None:
        self.streams = list(streams)
        self.job = job or JOB
        self.last_event_ids: list[str | None] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/events"):
            self.last_event_ids.append(request.headers.get("last-event-id"))
            answer = self.streams.pop(0)
            if isinstance(answer, Exception):
                raise answer
            return answer
        return httpx.Response(200, json=self.job)


def sse(body: str) -> httpx.Response:
    return httpx.Response(200, text=body, headers={"content-type": "text/event-stream"})


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("reports_sdk.handles.time.sleep", lambda _s: None)


def client(script: StreamScript) -> Client:
    return Client("http://api.test", "key", http_client=httpx.Client(transport=httpx.MockTransport(script)))


def test_a_stream_that_ends_early_is_reopened_after_the_last_event_and_repeats_are_dropped():
    script = StreamScript(
        sse(event(3, "running", "rendering") + ": ping\n\n"),  # the connection ends mid-job
        httpx.ConnectError("gateway restarting"),  # then the gateway is down
        httpx.Response(503, json={"error": {"code": "unavailable", "message": "m", "details": []}}),
        sse(event(3, "running", "rendering") + event(4, "running", "storing") + event(5, "succeeded", "storing")),
    )
    events = list(client(script).jobs.stream("job_1"))
    assert [(e.id, e.stage, e.status) for e in events] == [
        (3, "rendering", "running"),
        (4, "storing", "running"),
        (5, "storing", "succeeded"),
    ]
    assert script.last_event_ids == [None, "3", "3", "3"]


def test_a_stream_that_ends_without_the_terminal_event_asks_the_job_and_ends_with_its_state():
    done = {**JOB, "status": "failed", "error": {"code": "llm_unavailable", "message": "down"}}
    script = StreamScript(sse(event(3, "running", "rendering")), job=done)
    events = list(client(script).jobs.stream("job_1"))
    assert [e.status for e in events] == ["running", "failed"]
    assert events[-1].id is None and events[-1].error.code == "llm_unavailable"


def test_a_stream_for_a_missing_job_raises_not_found_without_retrying():
    script = StreamScript(httpx.Response(404, json={"error": {"code": "job_not_found", "message": "m", "details": []}}))
    with pytest.raises(NotFound):
        list(client(script).jobs.stream("job_1"))
    assert len(script.last_event_ids) == 1


def test_a_stream_gives_up_once_its_reconnect_budget_is_spent(monkeypatch: pytest.MonkeyPatch):
    clock = iter(range(0, 10_000, 30))
    monkeypatch.setattr("reports_sdk._sse.time.monotonic", lambda: float(next(clock)))
    script = StreamScript(*[httpx.ConnectError("down")] * 10)
    from reports_sdk import APIConnectionError

    with pytest.raises(APIConnectionError):
        list(client(script).jobs.stream("job_1"))
    assert 2 <= len(script.last_event_ids) < 10


def test_wait_past_its_deadline_raises_job_timeout(monkeypatch: pytest.MonkeyPatch):
    script = StreamScript(*[sse(": ping\n\n")] * 50)
    with pytest.raises(JobTimeout):
        client(script).jobs.handle("job_1").wait(timeout=0)
