"""The LLM's failure paths, end to end: the dev LLM told (through the model name) how to fail. One
platform for the module; each test restarts its renderer with the LLM settings it needs."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator

from services import contracts
from stack.platform import Platform
from tests.support.api import SEGMENTS, Api
from tests.support.tenants import AUTH_A


def _job(platform: Platform, conversation: str, **llm: str) -> tuple[Api, dict]:
    """A job run to its end by the module's platform, its renderer restarted with these LLM settings.
    Its transcript is the test's own: the dev LLM counts `fail=MODE*N` per conversation."""
    platform.restart_renderer(**llm)
    api = Api(platform.gateway_url, AUTH_A)
    segments = [{**SEGMENTS[0], "text": f"{SEGMENTS[0]['text']} ({conversation})"}, *SEGMENTS[1:]]
    return api, api.wait(api.job(api.media(segments)["mediaId"]))


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
    platform: Platform, request: pytest.FixtureRequest, provider: str, model: str, attempts: int
):
    api, job = _job(platform, request.node.name, REPORTS_LLM_PROVIDER=provider, REPORTS_LLM_MODEL=model)
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
    platform: Platform, request: pytest.FixtureRequest, model: str, code: str
):
    llm = {"REPORTS_LLM_MODEL": model, "REPORTS_LLM_MAX_ATTEMPTS": "2", "REPORTS_LLM_IDLE_TIMEOUT_S": "1"}
    api, job = _job(platform, request.node.name, **llm)
    assert job["status"] == "failed"
    assert job["error"]["code"] == code
    assert job["stage"] == "rendering"
    assert api.http.get(f"/v1/reports/by-job/{job['jobId']}").json() is None
