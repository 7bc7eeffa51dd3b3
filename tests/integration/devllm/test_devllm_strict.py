"""The dev LLM rejects each request the real APIs reject (tests/support/provider_rules.py) with
the real status, and accepts the renderer-shaped requests."""

from __future__ import annotations

import httpx
import pytest

from tests.support import plain_http
from tests.support.provider_rules import REJECTED, Rejected, anthropic_body, openai_body

_PATHS = {"openai": "/v1/chat/completions", "anthropic": "/v1/messages"}
_HEADERS = {
    "openai": {"authorization": "Bearer dev"},
    "anthropic": {"x-api-key": "dev", "anthropic-version": "2023-06-01"},
}


def _post(url: str, provider: str, body: dict) -> httpx.Response:
    return plain_http.post(url + _PATHS[provider], json=body, headers=_HEADERS[provider], timeout=10)


@pytest.mark.parametrize("case", REJECTED, ids=lambda c: f"{c.provider}: {c.name}")
def test_dev_llm_rejects_what_the_real_api_rejects(devllm_url, case: Rejected):
    answer = _post(devllm_url, case.provider, case.body())

    assert answer.status_code == case.status, answer.text


@pytest.mark.parametrize("provider, body", [("openai", openai_body), ("anthropic", anthropic_body)])
def test_dev_llm_accepts_the_renderers_request_shape(devllm_url, provider, body):
    answer = _post(devllm_url, provider, body())

    assert answer.status_code == 200, answer.text
