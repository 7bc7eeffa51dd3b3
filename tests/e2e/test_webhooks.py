"""Webhooks end to end: real processes, a real receiver on 127.0.0.1, a shrunk retry schedule.

The platform here allows private addresses (the receiver is on loopback); the SSRF refusals are
proven in tests/unit/webhooks and tests/integration/webhooks, where the guard is on.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import itertools
import json
import time
from collections.abc import Iterator
from typing import Any

import nats
import pytest

from services.common import streams
from services.webhooks import signing
from stack.platform import LISTENING, Platform
from tests.integration.webhooks.receiver import Receiver, Reply, Request
from tests.support.api import Api
from tests.support.databases import SchemaTemplate
from tests.support.platforms import started_platforms
from tests.support.polling import eventually
from tests.support.tenants import AUTH_A, AUTH_B

SECRET = signing.generate_secret()
SCHEDULE = (0.3, 0.6, 0.9)
WEBHOOK_ENV = {
    "REPORTS_WEBHOOK_SECRET": SECRET,
    "REPORTS_WEBHOOK_ALLOW_PRIVATE": "1",
    "REPORTS_WEBHOOK_SCHEDULE_S": ",".join(map(str, SCHEDULE)),
}


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory, schema_template: SchemaTemplate) -> Iterator[Platform]:
    """One platform for this module; each test has its own receiver and jobs."""
    for start in started_platforms(tmp_path_factory.mktemp("webhooks"), schema_template):
        yield start(**WEBHOOK_ENV)


@pytest.fixture
def api(platform: Platform) -> Api:
    return Api(platform.gateway_url, AUTH_A)


@pytest.fixture
def media_id(api: Api) -> str:
    return str(api.media()["mediaId"])


def webhook_of(api: Api, job_id: str, status: str, attempts: int) -> dict[str, Any]:
    """The job's webhook state once it has `status` after `attempts` attempts."""

    def reached() -> dict[str, Any] | None:
        hook = api.http.get(f"/v1/jobs/{job_id}").json()["webhook"]
        return hook if (hook["status"], hook["attempts"]) == (status, attempts) else None

    return eventually(reached, what=f"webhook {status} after {attempts} attempts")


def hook_job(api: Api, media_id: str, url: str, headers: dict[str, str] | None = None, **body: Any) -> str:
    webhook: dict[str, Any] = {"url": url}
    if headers is not None:
        webhook["headers"] = headers
    return api.job(media_id, webhook=webhook, **body)


def spacing(requests: list[Request]) -> list[float]:
    return [b.at - a.at for a, b in itertools.pairwise(requests)]


def settled(platform: Platform) -> None:
    """Waits until the dispatcher holds no message: nothing unacked, awaiting a retry or queued."""

    async def idle() -> bool:
        nc = await nats.connect(platform.nats_url)
        try:
            js = nc.jetstream()
            info = await js.consumer_info(streams.WEBHOOKS_STREAM, streams.WEBHOOKS_DURABLE)
            return info.num_ack_pending == 0 and info.num_pending == 0
        finally:
            await nc.close()

    eventually(idle, what="an idle dispatcher")


def test_a_finished_job_is_posted_signed_with_its_custom_headers_and_the_job_resource(api, media_id):
    with Receiver(Reply(204)) as receiver:
        job_id = hook_job(
            api, media_id, receiver.url("/hooks/in?team=sales"), {"Authorization": "Bearer abc", "X-Team": "sales"}
        )
        [request] = receiver.wait_for(1)
        hook = webhook_of(api, job_id, "delivered", 1)
    assert hook["lastStatusCode"] == 204 and hook["lastError"] is None and hook["nextAttemptAt"] is None

    headers = request.headers
    assert request.path == "/hooks/in?team=sales"
    assert (headers["authorization"], headers["x-team"]) == ("Bearer abc", "sales")
    assert headers["content-type"] == "application/json"
    assert headers["webhook-id"].startswith("evt_")
    assert abs(int(headers["webhook-timestamp"]) - time.time()) < 60
    # The spec's algorithm, computed here from scratch ...
    key = base64.b64decode(SECRET.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + request.body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    assert headers["webhook-signature"] == f"v1,{expected}"
    # ... and with the verify function a receiver would use.
    payload = signing.verify(headers, request.body, SECRET)

    job = api.http.get(f"/v1/jobs/{job_id}").json()
    assert payload["type"] == "report.job.succeeded"
    assert payload["timestamp"] == job["updatedAt"]
    assert payload["data"]["reportId"] == job["reportId"] is not None
    sent_state = payload["data"].pop("webhook")
    assert (sent_state["status"], sent_state["attempts"]) == ("pending", 0)
    assert {k: v for k, v in job.items() if k != "webhook"} == payload["data"]
    assert "Bearer abc" not in json.dumps(job)


def test_the_dispatcher_reads_only_webhook_deliveries_never_the_status_events(platform, api, media_id):
    assert api.wait(api.job(media_id))["status"] == "succeeded"  # a job without a webhook

    async def consumers() -> tuple[list[str], list[str]]:
        nc = await nats.connect(platform.nats_url)
        try:
            js = nc.jetstream()
            return (
                [c.name for c in await js.consumers_info(streams.EVENTS_STREAM)],
                [c.name for c in await js.consumers_info(streams.WEBHOOKS_STREAM)],
            )
        finally:
            await nc.close()

    on_events, on_webhooks = asyncio.run(consumers())
    assert streams.WEBHOOKS_DURABLE not in on_events
    assert on_webhooks == [streams.WEBHOOKS_DURABLE]


def test_a_failed_job_is_posted_as_report_job_failed_with_its_error(api, media_id):
    with Receiver(Reply(200)) as receiver:
        hook_job(
            api, media_id, receiver.url(), target={"strategy": "entity_id", "entity_id": "nobody", "on_miss": "error"}
        )
        [request] = receiver.wait_for(1)
    payload = json.loads(request.body)
    assert payload["type"] == "report.job.failed"
    assert payload["data"]["status"] == "failed"
    assert payload["data"]["error"]["code"] == "target_not_found"


def test_retries_follow_the_schedule_with_one_webhook_id_and_stop_when_it_is_spent(platform, api, media_id):
    with Receiver(Reply(500)) as receiver:
        job_id = hook_job(api, media_id, receiver.url())
        requests = receiver.wait_for(len(SCHEDULE) + 1)
        hook = webhook_of(api, job_id, "failed", len(SCHEDULE) + 1)
        settled(platform)
        assert len(receiver.requests) == len(SCHEDULE) + 1
    assert (hook["lastStatusCode"], hook["lastError"], hook["nextAttemptAt"]) == (500, "HTTP 500", None)
    assert len({r.headers["webhook-id"] for r in requests}) == 1
    for request in requests:
        signing.verify(request.headers, request.body, SECRET)
    assert all(gap >= delay for gap, delay in zip(spacing(requests), SCHEDULE)), spacing(requests)


def test_410_gone_stops_at_once(platform, api, media_id):
    with Receiver(Reply(410), Reply(200)) as receiver:
        job_id = hook_job(api, media_id, receiver.url())
        receiver.wait_for(1)
        hook = webhook_of(api, job_id, "failed", 1)
        settled(platform)
        assert len(receiver.requests) == 1
    assert hook["lastStatusCode"] == 410


def test_retry_after_on_429_and_503_is_honoured(api, media_id):
    with Receiver(Reply(429, {"Retry-After": "1"}), Reply(503, {"Retry-After": "2"}), Reply(200)) as receiver:
        job_id = hook_job(api, media_id, receiver.url())
        requests = receiver.wait_for(3)
        webhook_of(api, job_id, "delivered", 3)
    gaps = spacing(requests)
    assert gaps[0] >= 1.0 and gaps[1] >= 2.0, gaps


def test_a_redirect_is_a_failed_attempt_and_is_never_followed(platform, api, media_id):
    with Receiver(Reply(302, {"Location": "/elsewhere"}), Reply(200)) as receiver:
        job_id = hook_job(api, media_id, receiver.url("/hook"))
        receiver.wait_for(2)
        hook = webhook_of(api, job_id, "delivered", 2)
        settled(platform)
        paths = [r.path for r in receiver.requests]
    assert paths == ["/hook", "/hook"]
    assert hook["lastStatusCode"] == 200


def test_redeliver_sends_the_event_again_with_the_same_webhook_id(platform, api, media_id):
    with Receiver(Reply(200)) as receiver:
        job_id = hook_job(api, media_id, receiver.url())
        receiver.wait_for(1)
        webhook_of(api, job_id, "delivered", 1)
        assert Api(platform.gateway_url, AUTH_B).http.post(f"/v1/jobs/{job_id}/webhook/redeliver").status_code == 404
        response = api.http.post(f"/v1/jobs/{job_id}/webhook/redeliver")
        assert response.status_code == 202, response.text
        first, again = receiver.wait_for(2)
        webhook_of(api, job_id, "delivered", 2)
    assert again.headers["webhook-id"] == first.headers["webhook-id"]
    assert json.loads(again.body)["timestamp"] == json.loads(first.body)["timestamp"]
    signing.verify(again.headers, again.body, SECRET)


def test_a_dispatcher_restart_between_a_failed_attempt_and_its_retry_still_delivers_exactly_once(
    platform, api, media_id
):
    dispatcher = platform.processes["webhooks"]
    with Receiver(Reply(503, {"Retry-After": "3"}), Reply(200)) as receiver:
        job_id = hook_job(api, media_id, receiver.url())
        receiver.wait_for(1)
        # The retry is scheduled in JetStream before the attempt shows on the job.
        pending = webhook_of(api, job_id, "pending", 1)
        assert (pending["lastStatusCode"], pending["lastError"]) == (503, "HTTP 503")
        assert pending["nextAttemptAt"] is not None
        dispatcher.kill()
        assert len(receiver.requests) == 1
        dispatcher.start()
        dispatcher.wait_for(LISTENING)
        first, retry = receiver.wait_for(2)
        webhook_of(api, job_id, "delivered", 2)
        settled(platform)
        statuses = [r.status for r in receiver.requests]
    assert statuses == [503, 200]
    assert retry.headers["webhook-id"] == first.headers["webhook-id"]
    assert retry.at - first.at >= 3.0


def test_a_deleted_jobs_pending_webhook_delivery_is_dropped(platform, api, media_id):
    with Receiver(Reply(503, {"Retry-After": "3"}), Reply(200)) as receiver:
        job_id = hook_job(api, media_id, receiver.url())
        receiver.wait_for(1)
        webhook_of(api, job_id, "pending", 1)  # a retry is due in 3 s
        assert api.http.delete(f"/v1/jobs/{job_id}").status_code == 204
        settled(platform)  # the dispatcher holds no message: no retry is left to come
        assert len(receiver.requests) == 1
