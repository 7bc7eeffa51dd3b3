"""A delivery's body and headers, the retry schedule, and what each answer means."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from reports.v1 import job_pb2, target_pb2
from services.domain import ssrf
from services.webhooks import delivery, signing
from services.webhooks.delivery import DELIVERED, FAILED, PENDING, RetryPolicy
from services.webhooks.transport import host_header, parse_retry_after

SECRET = signing.generate_secret()
KEY = signing.parse_secret(SECRET)


def _job() -> tuple[job_pb2.Job, job_pb2.JobEvent]:
    at = Timestamp()
    at.FromDatetime(datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC))
    job = job_pb2.Job(
        id="job_1",
        tenant="t",
        media_id="med_1",
        status=job_pb2.JOB_STATUS_SUCCEEDED,
        stage=job_pb2.JOB_STAGE_STORING,
        template="sales_playbook",
        report_id="rep_1",
        target=target_pb2.Target(strategy="dominant", on_miss="error"),
        created_at=at,
        updated_at=at,
        webhook=job_pb2.Webhook(url="https://hooks.example.com/in", headers={"x-team": "s3cr3t-value"}),
        webhook_state=job_pb2.WebhookState(status="pending", attempts=0),
    )
    event = job_pb2.JobEvent(
        event_id="evt_1",
        job_id="job_1",
        tenant="t",
        status=job_pb2.JOB_STATUS_SUCCEEDED,
        stage=job_pb2.JOB_STAGE_STORING,
        report_id="rep_1",
        at=at,
    )
    return job, event


def test_the_body_is_type_timestamp_and_the_job_resource():
    job, event = _job()
    body = json.loads(delivery.body(job, event))
    assert set(body) == {"type", "timestamp", "data"}
    assert body["type"] == "report.job.succeeded"
    assert body["timestamp"] == "2026-01-02T03:04:05.678Z"
    assert body["data"]["jobId"] == "job_1" and body["data"]["reportId"] == "rep_1"
    assert body["data"]["webhook"] == {
        "url": "https://hooks.example.com/in",
        "status": "pending",
        "attempts": 0,
        "lastStatusCode": None,
        "lastError": None,
        "nextAttemptAt": None,
    }
    assert "s3cr3t-value" not in delivery.body(job, event).decode()  # custom header values never in the body


@pytest.mark.parametrize(
    ("status", "kind"),
    [(job_pb2.JOB_STATUS_FAILED, "report.job.failed"), (job_pb2.JOB_STATUS_CANCELED, "report.job.canceled")],
)
def test_the_type_names_the_terminal_status(status, kind):
    assert delivery.event_type(status) == kind


def test_headers_are_signed_and_carry_the_custom_ones_first():
    job, event = _job()
    body = delivery.body(job, event)
    headers = delivery.headers(KEY, "evt_1", 1700000000, body, {"X-Team": "sales", "Authorization": "Bearer t"})
    names = [name for name, _ in headers]
    assert names[:2] == ["X-Team", "Authorization"]
    found = dict(headers)
    assert found["content-type"] == "application/json"
    assert (found["webhook-id"], found["webhook-timestamp"]) == ("evt_1", "1700000000")
    assert signing.verify(found, body, SECRET, now=1700000000)["type"] == "report.job.succeeded"


def test_custom_headers_can_never_replace_the_signature_headers():
    headers = delivery.headers(
        KEY, "evt_1", 1, b"{}", {"Webhook-Signature": "v1,forged", "Content-Type": "x/y", "webhook-whatever": "1"}
    )
    assert [v for n, v in headers if n.lower() == "webhook-signature"] == [signing.sign(KEY, "evt_1", 1, b"{}")]
    assert [v for n, v in headers if n.lower() == "content-type"] == ["application/json"]
    assert not any(n.lower() == "webhook-whatever" for n, _ in headers)


def test_the_default_schedule_is_the_standard_webhooks_one():
    assert RetryPolicy().schedule_s == (5, 300, 1800, 7200, 18000, 36000, 36000)
    assert RetryPolicy().attempts == 8


def test_each_retry_waits_its_scheduled_delay_plus_at_most_the_jitter():
    policy = RetryPolicy(schedule_s=(1.0, 10.0), jitter=0.2)
    assert policy.delay_after(1, rand=lambda: 0.0) == 1.0
    assert policy.delay_after(1, rand=lambda: 1.0) == pytest.approx(1.2)
    assert policy.delay_after(2, rand=lambda: 0.5) == pytest.approx(11.0)
    assert all(1.0 <= policy.delay_after(1) <= 1.2 for _ in range(200))  # type: ignore[operator]


def test_there_is_no_retry_after_the_schedule_is_spent():
    assert RetryPolicy(schedule_s=(1.0, 2.0)).delay_after(3) is None


def test_retry_after_is_honoured_when_longer_than_the_schedule_and_capped_at_a_day():
    policy = RetryPolicy(schedule_s=(1.0,), jitter=0.0)
    assert policy.delay_after(1, retry_after_s=30.0) == 30.0
    assert policy.delay_after(1, retry_after_s=0.5) == 1.0
    assert policy.delay_after(1, retry_after_s=10 * 86400) == 86400.0


@pytest.mark.parametrize(
    ("code", "status"),
    [
        (200, DELIVERED),
        (201, DELIVERED),
        (204, DELIVERED),
        (299, DELIVERED),
        (410, FAILED),
        (301, PENDING),
        (302, PENDING),
        (307, PENDING),
        (400, PENDING),
        (404, PENDING),
        (500, PENDING),
        (503, PENDING),
        (100, PENDING),
    ],
)
def test_only_2xx_is_delivered_and_410_stops(code, status):
    assert delivery.judge(code).status == status


def test_a_redirect_is_an_error_naming_where_it_pointed():
    verdict = delivery.judge(302, location="/elsewhere")
    assert verdict.error == "HTTP 302: redirect to /elsewhere not followed"


def test_retry_after_counts_only_on_429_and_503():
    assert delivery.judge(429, retry_after_s=7).retry_after_s == 7
    assert delivery.judge(503, retry_after_s=7).retry_after_s == 7
    assert delivery.judge(500, retry_after_s=7).retry_after_s is None


def test_retry_after_reads_seconds_and_http_dates():
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after("Thu, 01 Jan 2026 12:00:30 GMT", now) == 30.0
    assert parse_retry_after("Thu, 01 Jan 2026 11:00:00 GMT", now) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None
    assert parse_retry_after("-5") is None


def test_the_host_header_is_the_url_host_with_a_non_default_port():
    assert host_header(ssrf.parse("https://hooks.example.com/x")) == "hooks.example.com"
    assert host_header(ssrf.parse("http://hooks.example.com:8080/x")) == "hooks.example.com:8080"
    assert host_header(ssrf.parse("http://[2606:4700::1]:81/")) == "[2606:4700::1]:81"
