"""Usage and cost, end to end: what a job says it used is what the dev LLM says it served."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from stack.platform import Platform
from tests.e2e.conftest import AUTH_A, Api

PRICES = "dev-llm=input:1.5,output:6"


def _served(platform: Platform) -> dict[str, int]:
    return httpx.get(f"{platform.addresses['devllm']}/stats").json()["served"]["dev-llm"]


def _cost(served: dict[str, int]) -> float:
    return round((served["inputTokens"] * 1.5 + served["outputTokens"] * 6.0) / 1e6, 6)


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_a_jobs_usage_is_what_the_dev_llm_served_summed_over_its_attempts(
        start_platform: Callable[..., Platform], provider: str):
    platform = start_platform(REPORTS_LLM_PROVIDER=provider, REPORTS_LLM_MODEL="dev-llm+fail=not_json*1",
                              REPORTS_LLM_PRICES=PRICES)
    api = Api(platform.gateway_url, AUTH_A)
    job = api.wait(api.job(api.media()["mediaId"]))

    served = _served(platform)
    assert job["status"] == "succeeded" and served["answers"] == 2
    assert job["usage"] == {"inputTokens": served["inputTokens"], "outputTokens": served["outputTokens"],
                            "attempts": 2, "provider": provider, "model": "dev-llm", "costUsd": _cost(served)}


def test_a_failed_jobs_usage_counts_the_answers_it_could_not_use(start_platform: Callable[..., Platform]):
    platform = start_platform(REPORTS_LLM_MODEL="dev-llm+fail=bad_schema", REPORTS_LLM_MAX_ATTEMPTS="2",
                              REPORTS_LLM_PRICES=PRICES)
    api = Api(platform.gateway_url, AUTH_A)
    job = api.wait(api.job(api.media()["mediaId"]))

    served = _served(platform)
    assert job["status"] == "failed" and job["error"]["code"] == "llm_invalid_output"
    assert (job["usage"]["attempts"], job["usage"]["inputTokens"], job["usage"]["outputTokens"]) == \
        (2, served["inputTokens"], served["outputTokens"])
    assert job["usage"]["costUsd"] == _cost(served) > 0
