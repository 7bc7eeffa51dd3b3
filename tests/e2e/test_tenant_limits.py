"""Tenant limits in the whole stack (NATS users, mTLS, the store making the KV bucket): a tenant over
its request rate gets 429 with Retry-After and the SDK says so; its queued-jobs cap is 429
`quota_exceeded`; another tenant is unaffected. Nothing renders (no renderer), so queued jobs stay
queued, and the rate (one token in 1000 s) gives nothing back while the test runs."""

from __future__ import annotations

import pytest

from reports_sdk import Client, RateLimited
from tests.support import plain_http
from tests.support.api import SEGMENTS
from tests.support.tenants import AUTH_A, AUTH_B

MEDIA = {"title": "call", "transcript": {"format": "segments", "content": SEGMENTS}}


def test_rate_and_queued_limits_per_tenant(start_platform):
    platform = start_platform(renderers=0, REPORTS_TENANT_LIMITS="tenant-a=rps:0.001,burst:4,queued:1")
    with plain_http.client(base_url=platform.gateway_url, timeout=30) as http:
        media = http.post("/v1/media", json=MEDIA, headers=AUTH_A)
        assert media.status_code == 201 and media.headers["ratelimit-remaining"] == "3"
        job = {
            "media": {"mediaId": media.json()["mediaId"]},
            "output": {"template": "sales_playbook"},
            "target": {"strategy": "dominant", "on_miss": "error"},
        }
        assert http.post("/v1/reports/jobs", json=job, headers=AUTH_A).status_code == 202
        over_cap = http.post("/v1/reports/jobs", json=job, headers=AUTH_A)
        assert over_cap.status_code == 429 and over_cap.json()["error"]["code"] == "quota_exceeded"
        assert http.get("/v1/jobs", headers=AUTH_A).headers["ratelimit-remaining"] == "0"

        refused = http.get("/v1/jobs", headers=AUTH_A)
        assert refused.status_code == 429 and refused.json()["error"]["code"] == "rate_limited"
        retry_after = int(refused.headers["retry-after"])
        assert retry_after >= 1

        other = http.get("/v1/jobs", headers=AUTH_B)
        assert other.status_code == 200 and other.headers["ratelimit-limit"] == "1000000"

    with Client(platform.gateway_url, "key-a", max_retries=0) as client, pytest.raises(RateLimited) as failure:
        list(client.jobs.list())  # the pager asks when iterated
    assert failure.value.retry_after is not None and failure.value.retry_after >= 1
    assert "retry after" in str(failure.value)
