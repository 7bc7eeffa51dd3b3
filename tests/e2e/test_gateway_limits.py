"""The gateway as started by the stack: open event streams capped per tenant, /metrics off the API port."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import httpx

from stack.platform import Platform
from tests.support import plain_http
from tests.support.api import Api
from tests.support.tenants import AUTH_A, AUTH_B


@contextlib.contextmanager
def open_stream(platform: Platform, job_id: str, auth: dict[str, str]) -> Iterator[httpx.Response]:
    """An event stream held open: its answer's head and first event (the job's current state) read."""
    with plain_http.client(base_url=platform.gateway_url, headers=auth, timeout=30) as client:
        with client.stream("GET", f"/v1/jobs/{job_id}/events") as response:
            if response.status_code == 200:
                lines = response.iter_lines()
                while not next(lines).startswith("data: "):
                    pass
            yield response


def test_a_tenant_past_its_open_stream_cap_gets_429_until_one_closes(start_platform: Callable[..., Platform]):
    platform = start_platform(renderers=0, REPORTS_SSE_MAX_PER_TENANT="2")  # no renderer: jobs stay queued
    api_a, api_b = Api(platform.gateway_url, AUTH_A), Api(platform.gateway_url, AUTH_B)
    job_a = api_a.job(api_a.media()["mediaId"])
    job_b = api_b.job(api_b.media()["mediaId"])
    with open_stream(platform, job_a, AUTH_A) as first, open_stream(platform, job_a, AUTH_A) as second:
        assert (first.status_code, second.status_code) == (200, 200)
        with open_stream(platform, job_a, AUTH_A) as refused:
            assert refused.status_code == 429
            assert refused.headers["retry-after"] == "5"
            assert refused.read() and refused.json()["error"]["code"] == "too_many_streams"
        with open_stream(platform, job_b, AUTH_B) as other_tenant:  # the cap is per tenant
            assert other_tenant.status_code == 200
    # Both closed: their slots are back.
    with open_stream(platform, job_a, AUTH_A) as again, open_stream(platform, job_a, AUTH_A) as and_again:
        assert (again.status_code, and_again.status_code) == (200, 200)


def test_metrics_are_served_on_their_own_port_not_the_api_port(session_platform: Platform):  # it only reads
    assert plain_http.get(f"{session_platform.gateway_url}/metrics").status_code == 404
    metrics = plain_http.get(session_platform.addresses["gateway-metrics"])
    assert metrics.status_code == 200 and "http_requests_total" in metrics.text
