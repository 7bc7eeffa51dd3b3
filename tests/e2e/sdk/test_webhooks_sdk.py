"""A job created through the SDK with a webhook: the platform's signed delivery passes
`reports_sdk.webhooks.verify`, the job shows its webhook state, and `redeliver_webhook` sends it again."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from reports_sdk import AsyncClient, Client, InvalidRequest, Webhook, WebhookState, WebhookVerificationError, webhooks
from services.webhooks import signing
from stack.platform import Platform
from tests.integration.webhooks.receiver import Receiver
from tests.support.api import SEGMENTS
from tests.support.polling import eventually
from tests.support.tenants import KEY_A

SECRET = signing.generate_secret()
WEBHOOK_ENV = {"REPORTS_WEBHOOK_SECRET": SECRET, "REPORTS_WEBHOOK_ALLOW_PRIVATE": "1"}


def _delivered(client: Client, job_id: str) -> WebhookState:
    def delivered() -> WebhookState | None:
        state = client.jobs.get(job_id).webhook
        return state if state is not None and state.status == "delivered" else None

    return eventually(delivered, timeout_s=20, what="a delivered webhook", period_s=0.1)


async def test_a_delivery_verifies_with_the_sdk_and_can_be_redelivered(start_platform: Callable[..., Platform]):
    platform = start_platform(**WEBHOOK_ENV)
    with Receiver() as receiver, Client(platform.gateway_url, KEY_A) as client:
        media_id = client.media.create(SEGMENTS).media_id
        job = client.reports.create(
            media_id=media_id,
            template="sales_playbook",
            webhook=Webhook(url=receiver.url(), headers={"X-Team": "sales"}),
        )
        report = job.wait(timeout=60)
        delivery = receiver.wait_for(1)[0]
        event = webhooks.verify(delivery.headers, delivery.body, SECRET)
        assert event["type"] == "report.job.succeeded"
        assert event["data"]["jobId"] == job.id and event["data"]["reportId"] == report.id
        assert delivery.headers["x-team"] == "sales"
        with pytest.raises(WebhookVerificationError):
            webhooks.verify(delivery.headers, delivery.body + b" ", SECRET)
        with pytest.raises(WebhookVerificationError):
            webhooks.verify(delivery.headers, delivery.body, signing.generate_secret())

        state = _delivered(client, job.id)
        assert state.url == receiver.url() and state.attempts == 1 and state.last_status_code == 200
        again = client.jobs.redeliver_webhook(job.id)
        assert again.job_id == job.id and again.webhook is not None
        redelivered = receiver.wait_for(2)[1]
        assert redelivered.headers["webhook-id"] == delivery.headers["webhook-id"]
        assert webhooks.verify(redelivered.headers, redelivered.body, SECRET)["data"]["jobId"] == job.id

        plain = client.reports.create(media_id=media_id, template="sales_playbook")
        plain.wait(timeout=60)
        assert plain.refresh().webhook is None
        with pytest.raises(InvalidRequest):
            client.jobs.redeliver_webhook(plain.id)

    async with AsyncClient(platform.gateway_url, KEY_A) as aclient:
        assert (await aclient.jobs.redeliver_webhook(job.id)).job_id == job.id
