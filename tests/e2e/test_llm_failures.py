"""The LLM's failure paths, end to end: the dev LLM told (through the model name) how to fail."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from jsonschema import Draft202012Validator

from services import contracts
from stack.platform import Platform
from tests.support.api import Api
from tests.support.tenants import AUTH_A


def _report(api: Api, job: dict) -> dict:
    report = api.http.get(f"/v1/reports/{job['reportId']}").json()
    Draft202012Validator(contracts.schema(contracts.REPORT_RESPONSE)).validate(report)
    return report


@pytest.mark.parametrize(
    ("provider", "model", "attempts"),
    [
        ("openai", "dev-llm+fail=not_json*1", 2),
        ("anthropic", "dev-llm+fail=not_json*1", 2),
        ("openai", "dev-llm+fail=bad_schema*1", 2),
        ("openai", "dev-llm+fail=429*2", 3),
        ("anthropic", "dev-llm+fail=529*2", 3),
        ("anthropic", "dev-llm", 1),
    ],
)
def test_a_report_is_written_after_recoverable_llm_failures(
    start_platform: Callable[..., Platform], provider: str, model: str, attempts: int
):
    platform = start_platform(REPORTS_LLM_PROVIDER=provider, REPORTS_LLM_MODEL=model)
    api = Api(platform.gateway_url, AUTH_A)
    job = api.wait(api.job(api.media()["mediaId"]))
    assert job["status"] == "succeeded", job
    render = _report(api, job)["json"]["meta"]["render"]
    assert (render["provider"], render["attempts"]) == (provider, attempts)
    assert "dev-llm" in render["model"]


@pytest.mark.parametrize(
    ("model", "code"),
    [
        ("dev-llm+fail=bad_schema", "llm_invalid_output"),
        ("dev-llm+fail=not_json", "llm_invalid_output"),
        ("dev-llm+fail=500", "llm_unavailable"),
        ("dev-llm+fail=429", "llm_unavailable"),
        ("dev-llm+fail=hang", "llm_unavailable"),
        ("dev-llm+fail=quota", "llm_quota_exhausted"),
        ("dev-llm+fail=truncate", "llm_output_truncated"),
    ],
)
def test_a_job_fails_with_a_stable_code_when_the_llm_budget_is_spent(
    start_platform: Callable[..., Platform], model: str, code: str
):
    platform = start_platform(REPORTS_LLM_MODEL=model, REPORTS_LLM_MAX_ATTEMPTS="2", REPORTS_LLM_IDLE_TIMEOUT_S="1")
    api = Api(platform.gateway_url, AUTH_A)
    job = api.wait(api.job(api.media()["mediaId"]))
    assert job["status"] == "failed"
    assert job["error"]["code"] == code
    assert job["stage"] == "rendering"
    assert api.http.get(f"/v1/reports/by-job/{job['jobId']}").json() is None
