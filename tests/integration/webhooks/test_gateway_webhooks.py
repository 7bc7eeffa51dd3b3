"""POST /v1/reports/jobs refuses unsafe webhooks; the job shows its webhook; redelivery on request."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from services.gateway.app import create_app
from services.gateway.settings import GatewaySettings
from tests.integration.helpers import assert_error, complete_job, create_media, job_body
from tests.support.names import LOOPBACK_HOOK, UNRESOLVED_HOOK, loopback_resolver
from tests.support.tenants import AUTH_A, AUTH_B, KEYS

PUBLIC_HOOK = UNRESOLVED_HOOK  # accepted: it resolves to nothing now, so it cannot be shown to be private

FORBIDDEN_URLS = [
    "http://127.0.0.1/hook",
    "http://127.0.0.1:8080/hook",
    "http://[::1]/hook",
    "http://[::ffff:127.0.0.1]/",
    "http://0x7f000001/",
    "http://2130706433/",
    "http://127.1/",
    "http://0177.0.0.1/",
    "http://localhost:8080/hook",
    "http://10.0.0.1/",
    "http://172.16.0.1/",
    "http://192.168.0.1/",
    "http://[fd00::1]/",
    "http://169.254.169.254/latest/meta-data/",
    "http://[fe80::1]/",
    "http://100.64.0.1/",
    "http://224.0.0.1/",
    "http://[ff02::1]/",
    "http://240.0.0.1/",
    "http://0.0.0.0/",
    "http://[::]/",
    "http://192.0.2.1/",
    "http://198.51.100.1/",
    "http://203.0.113.1/",
    "http://[2001:db8::1]/",
    "http://[::ffff:10.0.0.1]/",
    "ftp://93.184.216.34/hook",
    "file:///etc/passwd",
    "https://user:secret@93.184.216.34/hook",
]


@pytest.fixture
async def refusing() -> AsyncIterator[httpx.AsyncClient]:
    """The gateway app with no backends behind it: enough for requests refused before any call."""
    settings = GatewaySettings(
        host="127.0.0.1",
        port=0,
        store_target="127.0.0.1:1",
        resolver_target="127.0.0.1:1",
        nats_url="nats://127.0.0.1:1",
        api_keys=KEYS,
    )
    app = create_app(settings, webhook_resolver=loopback_resolver())
    app.state.backends = None
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway") as client:
        yield client


async def _post_job(gateway, media_id: str, webhook: dict) -> httpx.Response:  # type: ignore[type-arg]
    client = gateway if isinstance(gateway, httpx.AsyncClient) else gateway.client
    return await client.post("/v1/reports/jobs", json=job_body(media_id, webhook=webhook), headers=AUTH_A)


@pytest.mark.parametrize("url", FORBIDDEN_URLS)
async def test_a_webhook_url_that_is_not_a_public_http_address_is_refused(refusing, url):
    response = await _post_job(refusing, "med_unused", {"url": url})
    assert_error(response, 400, "webhook_url_forbidden", "/webhook/url")


async def test_the_gateway_resolves_a_webhook_host_with_the_resolver_it_was_given(refusing):
    # hooks.test is loopback only in the test resolver: the system's DNS does not know it.
    response = await _post_job(refusing, "med_unused", {"url": LOOPBACK_HOOK})
    assert_error(response, 400, "webhook_url_forbidden", "/webhook/url")
    assert "hooks.test resolves to 127.0.0.1" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    "name",
    [
        "webhook-id",
        "Webhook-Signature",
        "WEBHOOK-TIMESTAMP",
        "content-type",
        "Content-Length",
        "Host",
        "transfer-encoding",
        "Connection",
        "keep-alive",
        "Proxy-Authorization",
        "te",
        "trailer",
        "upgrade",
    ],
)
async def test_a_reserved_or_hop_by_hop_header_is_refused_with_its_path(refusing, name):
    response = await _post_job(refusing, "med_unused", {"url": PUBLIC_HOOK, "headers": {name: "x"}})
    assert_error(response, 400, "webhook_header_forbidden", f"/webhook/headers/{name}")


@pytest.mark.parametrize(("name", "value"), [("x-a", "1\r\nX-Injected: 1"), ("x-a", "line\n"), ("x-a\r\nx-b", "1")])
async def test_cr_or_lf_in_a_header_is_refused(refusing, name, value):
    response = await _post_job(refusing, "med_unused", {"url": PUBLIC_HOOK, "headers": {name: value}})
    assert_error(response, 400, "webhook_header_forbidden", f"/webhook/headers/{name}")


async def test_the_job_shows_its_webhook_state_but_never_the_header_values(gateway):
    media_id = await create_media(gateway.client, AUTH_A)
    response = await _post_job(
        gateway, media_id, {"url": PUBLIC_HOOK, "headers": {"Authorization": "Bearer s3cr3t", "x-team": "sales"}}
    )
    assert response.status_code == 202, response.text
    job_id = response.json()["jobId"]
    job = await gateway.client.get(f"/v1/jobs/{job_id}", headers=AUTH_A)
    assert job.json()["webhook"] == {
        "url": PUBLIC_HOOK,
        "status": "pending",
        "attempts": 0,
        "lastStatusCode": None,
        "lastError": None,
        "nextAttemptAt": None,
    }
    assert "s3cr3t" not in job.text
    listed = (await gateway.client.get("/v1/jobs", headers=AUTH_A)).text
    assert "s3cr3t" not in listed


async def test_a_job_without_a_webhook_shows_null(gateway):
    media_id = await create_media(gateway.client, AUTH_A)
    response = await gateway.client.post("/v1/reports/jobs", json=job_body(media_id), headers=AUTH_A)
    job = (await gateway.client.get(f"/v1/jobs/{response.json()['jobId']}", headers=AUTH_A)).json()
    assert job["webhook"] is None


async def test_redeliver_is_accepted_once_the_job_has_ended(gateway, store_stub):
    media_id = await create_media(gateway.client, AUTH_A)
    job_id = (await _post_job(gateway, media_id, {"url": PUBLIC_HOOK})).json()["jobId"]
    path = f"/v1/jobs/{job_id}/webhook/redeliver"
    assert_error(await gateway.client.post(path, headers=AUTH_A), 400, "job_not_ended")
    await complete_job(store_stub, "tenant-a", job_id)
    assert_error(await gateway.client.post(path, headers=AUTH_B), 404, "job_not_found")
    response = await gateway.client.post(path, headers=AUTH_A)
    assert response.status_code == 202, response.text
    assert response.json()["jobId"] == job_id
    assert response.json()["webhook"]["status"] == "pending"


async def test_redeliver_is_400_for_a_job_without_a_webhook_and_404_for_no_job(gateway, store_stub):
    media_id = await create_media(gateway.client, AUTH_A)
    job_id = (await gateway.client.post("/v1/reports/jobs", json=job_body(media_id), headers=AUTH_A)).json()["jobId"]
    await complete_job(store_stub, "tenant-a", job_id)
    assert_error(
        await gateway.client.post(f"/v1/jobs/{job_id}/webhook/redeliver", headers=AUTH_A), 400, "webhook_not_configured"
    )
    assert_error(await gateway.client.post("/v1/jobs/job_nope/webhook/redeliver", headers=AUTH_A), 404, "job_not_found")
    response = await gateway.client.post(f"/v1/jobs/{job_id}/webhook/redeliver")
    assert response.status_code == 401
