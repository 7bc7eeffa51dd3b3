"""The dev LLM's own request limit (DEVLLM_RPM): one second's worth at once, refilled continuously."""

from __future__ import annotations

import pytest

from services.devllm import limits
from services.devllm.request_limit import RequestLimit


def test_one_seconds_worth_goes_then_a_429_until_a_request_is_back():
    now = [0.0]
    limit = RequestLimit(120, clock=lambda: now[0])  # 2 a second
    assert [limit.take("m").allowed for _ in range(2)] == [True, True]
    refused = limit.take("m")
    assert not refused.allowed and refused.remaining == 0 and refused.reset_s == pytest.approx(0.5)
    assert limit.take("other").allowed  # per model
    now[0] = 0.5
    assert limit.take("m").allowed and not limit.take("m").allowed


def test_the_rate_limit_headers_report_the_limit():
    openai = limits.headers("openai", None, requests=(120, 0, 0.5))
    assert openai["x-ratelimit-limit-requests"] == "120"
    assert (openai["x-ratelimit-remaining-requests"], openai["x-ratelimit-reset-requests"]) == ("0", "500ms")
    anthropic = limits.headers("anthropic", None, now=10.0, requests=(120, 1, 0.5))
    assert anthropic["anthropic-ratelimit-requests-remaining"] == "1"
