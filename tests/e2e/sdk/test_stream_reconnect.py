"""A job's event stream survives the gateway process restarting mid-stream: the SDK reconnects with
backoff while the gateway is down, resumes with Last-Event-ID, and sees every event exactly once."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import httpx
import pytest

from reports_sdk import AsyncClient, Client, JobEvent
from stack.platform import Platform
from tests.support import plain_http
from tests.support.api import SEGMENTS, Api
from tests.support.databases import SchemaTemplate
from tests.support.platforms import started_platforms
from tests.support.sent_requests import Requests
from tests.support.tenants import AUTH_A, KEY_A

# The LLM takes 4 s: far longer than the gateway's drain here (0.5 s), so restarting the gateway while
# the job renders cuts the open stream instead of letting it finish.
SLOW_RENDER = {
    "REPORTS_LLM_MODEL": "dev-llm+latency=4000",
    "REPORTS_LLM_IDLE_TIMEOUT_S": "30",
    "REPORTS_GATEWAY_DRAIN_S": "0.5",
}


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory, schema_template: SchemaTemplate) -> Iterator[Platform]:
    for start in started_platforms(tmp_path_factory.mktemp("reconnect"), schema_template):
        yield start(**SLOW_RENDER)


def _restart_gateway(platform: Platform) -> None:
    url, before = platform.gateway_url, platform.processes["gateway"].proc.pid
    platform.restart("gateway")
    assert platform.processes["gateway"].proc.pid != before  # a new process...
    assert platform.gateway_url == url  # ...on the same port
    assert plain_http.get(f"{url}/healthz").status_code == 200


def _check_every_event_once(platform: Platform, job_id: str, seen: list[JobEvent], requests: Requests) -> None:
    everything = Api(platform.gateway_url, AUTH_A).events(job_id, last_event_id="0")
    assert seen[-1].status == "succeeded" and seen[-1].report_id
    # from the state current when the stream opened, every event once, in order
    assert [(e.id, e.status, e.stage) for e in seen] == [
        (i, d["status"], d["stage"]) for i, d in everything[len(everything) - len(seen) :]
    ]
    # the report is stored with the succeeded event (no storing stage), and a succeeded job has no stage
    assert [e.stage for e in seen if not e.progress][-2:] == ["rendering", None]
    # the stream did drop, and every reconnection resumed after the last event received
    opened = requests.to("/events")
    assert len(opened) >= 2, "the restart did not cut the stream"
    assert "last-event-id" not in opened[0][2]
    assert {h.get("last-event-id") for _m, _p, h, _b in opened[1:]} <= {str(e.id) for e in seen[:-1]}


def test_a_sync_stream_reconnects_across_a_gateway_restart_and_sees_every_event_once(platform: Platform):
    requests = Requests()
    http = plain_http.client(event_hooks={"request": [requests.record]})
    client = Client(platform.gateway_url, KEY_A, http_client=http)
    job = client.reports.create(media_id=client.media.create(SEGMENTS).media_id, template="sales_playbook")
    seen: list[JobEvent] = []
    rendering = threading.Event()
    failures: list[BaseException] = []

    def consume() -> None:
        try:
            for event in job.stream():
                seen.append(event)
                if event.stage == "rendering":
                    rendering.set()
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            failures.append(exc)
        finally:
            rendering.set()

    reader = threading.Thread(target=consume, daemon=True)
    reader.start()
    assert rendering.wait(30) and not failures
    _restart_gateway(platform)
    reader.join(90)
    assert not reader.is_alive() and not failures, failures
    _check_every_event_once(platform, job.id, seen, requests)
    assert job.wait(timeout=30).id == seen[-1].report_id
    client.close()


async def test_an_async_stream_reconnects_across_a_gateway_restart_and_sees_every_event_once(platform: Platform):
    requests = Requests()
    http = httpx.AsyncClient(event_hooks={"request": [requests.arecord]})
    async with AsyncClient(platform.gateway_url, KEY_A, http_client=http) as client:
        job = await client.reports.create(
            media_id=(await client.media.create(SEGMENTS)).media_id, template="general_report"
        )
        seen: list[JobEvent] = []
        rendering = asyncio.Event()

        async def consume() -> None:
            async for event in job.stream():
                seen.append(event)
                if event.stage == "rendering":
                    rendering.set()

        reader = asyncio.create_task(consume())
        await asyncio.wait_for(rendering.wait(), 30)
        await asyncio.to_thread(_restart_gateway, platform)
        await asyncio.wait_for(reader, 90)
        _check_every_event_once(platform, job.id, seen, requests)
    await http.aclose()
