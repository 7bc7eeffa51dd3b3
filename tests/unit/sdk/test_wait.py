"""`job.wait()` asks for the job with `Prefer: wait` until it ends, against scripted answers."""

from __future__ import annotations

import httpx
import pytest

from reports_sdk import AsyncClient, Client, JobFailed
from tests.unit.sdk.test_streams import JOB

FAILED = {
    **JOB,
    "status": "failed",
    "stage": "rendering",
    "error": {"code": "llm_unavailable", "message": "the LLM provider is down"},
}
WAITED = {"Preference-Applied": "wait=60"}
ERROR_503 = {"error": {"code": "unavailable", "message": "a backend service is unavailable", "details": []}}


class Script:
    def __init__(self, *answers: httpx.Response) -> None:
        self.answers = list(answers)
        self.prefer: list[str | None] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.prefer.append(request.headers.get("prefer"))
        return self.answers.pop(0)


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    slept: list[float] = []
    monkeypatch.setattr("reports_sdk.handles.time.sleep", slept.append)
    monkeypatch.setattr("reports_sdk._http.time.sleep", slept.append)
    return slept


def client(script: Script) -> Client:
    return Client(
        "http://api.test", "key", max_retries=0, http_client=httpx.Client(transport=httpx.MockTransport(script))
    )


def test_wait_holds_one_request_a_minute_until_the_job_ends(sleeps: list[float]):
    script = Script(
        httpx.Response(200, json=JOB, headers=WAITED),
        httpx.Response(200, json=FAILED, headers=WAITED),
        httpx.Response(200, json=FAILED),
    )
    with pytest.raises(JobFailed) as failure:
        client(script).jobs.handle("job_1").wait()
    assert failure.value.code == "llm_unavailable"
    assert script.prefer == ["wait=60", "wait=60", None]  # the last is the failure's fresh read
    assert sleeps == []  # the server held each request: nothing slept in between


def test_wait_asks_for_no_longer_than_what_is_left_of_its_timeout(sleeps: list[float]):
    script = Script(httpx.Response(200, json=FAILED, headers=WAITED), httpx.Response(200, json=FAILED))
    with pytest.raises(JobFailed):
        client(script).jobs.handle("job_1").wait(timeout=5)
    assert script.prefer[0] == "wait=5"


def test_wait_reads_gently_when_the_api_cannot_hold_the_request(sleeps: list[float]):
    script = Script(
        httpx.Response(200, json=JOB, headers={"Retry-After": "2"}),
        httpx.Response(200, json=FAILED),
        httpx.Response(200, json=FAILED),
    )
    with pytest.raises(JobFailed):
        client(script).jobs.handle("job_1").wait()
    assert sleeps == [2.0]


def test_wait_rides_out_a_gateway_that_is_briefly_unavailable(sleeps: list[float]):
    script = Script(
        httpx.Response(503, json=ERROR_503),
        httpx.Response(200, json=FAILED, headers=WAITED),
        httpx.Response(200, json=FAILED),
    )
    with pytest.raises(JobFailed):
        client(script).jobs.handle("job_1").wait()
    assert script.prefer[:2] == ["wait=60", "wait=60"] and len(sleeps) == 1


def test_jobs_get_with_wait_sends_the_preference():
    script = Script(httpx.Response(200, json=FAILED, headers=WAITED))
    assert client(script).jobs.get("job_1", wait=90).status == "failed"
    assert script.prefer == ["wait=60"]  # capped at the API's longest


async def test_the_async_wait_asks_the_same_way(monkeypatch: pytest.MonkeyPatch):
    script = Script(
        httpx.Response(200, json=JOB, headers=WAITED),
        httpx.Response(200, json=FAILED, headers=WAITED),
        httpx.Response(200, json=FAILED),
    )
    async with AsyncClient(
        "http://api.test", "key", max_retries=0, http_client=httpx.AsyncClient(transport=httpx.MockTransport(script))
    ) as api:
        with pytest.raises(JobFailed):
            await api.jobs.handle("job_1").wait(timeout=30)
    assert script.prefer == ["wait=30", "wait=30", None]
