"""Usage and cost, end to end: what a job says it used is what the dev LLM says it served."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from stack.platform import Platform
from tests.support import plain_http
from tests.support.api import Api
from tests.support.tenants import AUTH_A, AUTH_B

PRICES = "dev-llm=input:1.5,output:6"


def _served(platform: Platform) -> dict[str, int]:
    return plain_http.get(f"{platform.addresses['devllm']}/stats").json()["served"]["dev-llm"]


def _cost(served: dict[str, int]) -> float:
    return round((served["inputTokens"] * 1.5 + served["outputTokens"] * 6.0) / 1e6, 6)


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_a_jobs_usage_is_what_the_dev_llm_served_summed_over_its_attempts(
    start_platform: Callable[..., Platform], provider: str
):
    platform = start_platform(
        REPORTS_LLM_PROVIDER=provider, REPORTS_LLM_MODEL="dev-llm+fail=not_json*1", REPORTS_LLM_PRICES=PRICES
    )
    api = Api(platform.gateway_url, AUTH_A)
    job = api.wait(api.job(api.media()["mediaId"]))

    served = _served(platform)
    assert job["status"] == "succeeded" and served["answers"] == 2
    assert job["usage"] == {
        "inputTokens": served["inputTokens"],
        "outputTokens": served["outputTokens"],
        "attempts": 2,
        "provider": provider,
        "model": "dev-llm",
        "costUsd": _cost(served),
        "calls": [
            {"provider": provider, "model": "dev-llm", "outcome": "invalid_output"},
            {"provider": provider, "model": "dev-llm", "outcome": "ok"},
        ],
    }


def test_a_failed_jobs_usage_counts_the_answers_it_could_not_use(start_platform: Callable[..., Platform]):
    platform = start_platform(
        REPORTS_LLM_MODEL="dev-llm+fail=bad_schema", REPORTS_LLM_MAX_ATTEMPTS="2", REPORTS_LLM_PRICES=PRICES
    )
    api = Api(platform.gateway_url, AUTH_A)
    job = api.wait(api.job(api.media()["mediaId"]))

    served = _served(platform)
    assert job["status"] == "failed" and job["error"]["code"] == "llm_invalid_output"
    assert (job["usage"]["attempts"], job["usage"]["inputTokens"], job["usage"]["outputTokens"]) == (
        2,
        served["inputTokens"],
        served["outputTokens"],
    )
    assert job["usage"]["costUsd"] == _cost(served) > 0


def test_usage_per_tenant_is_what_the_dev_llm_served_it_and_no_other_tenants(start_platform: Callable[..., Platform]):
    platform = start_platform(REPORTS_LLM_PRICES=PRICES)
    a, b = Api(platform.gateway_url, AUTH_A), Api(platform.gateway_url, AUTH_B)
    media_id = a.media()["mediaId"]
    for _ in range(2):
        assert a.wait(a.job(media_id))["status"] == "succeeded"
    served_a = _served(platform)
    b_job = b.wait(b.job(b.media()["mediaId"]))
    assert b_job["status"] == "succeeded"
    served = _served(platform)

    by_model = a.http.get("/v1/usage", params={"groupBy": "model"}).json()
    by_day = b.http.get("/v1/usage").json()

    assert by_model["groupBy"] == "model"
    assert by_model["groups"] == [
        {
            "group": "dev-llm",
            "jobs": 2,
            "inputTokens": served_a["inputTokens"],
            "outputTokens": served_a["outputTokens"],
            "costUsd": _cost(served_a),
        }
    ]
    assert by_model["total"] == {k: v for k, v in by_model["groups"][0].items() if k != "group"}
    b_tokens = (served["inputTokens"] - served_a["inputTokens"], served["outputTokens"] - served_a["outputTokens"])
    assert [(g["group"], g["jobs"], g["inputTokens"], g["outputTokens"]) for g in by_day["groups"]] == [
        (b_job["updatedAt"][:10], 1, *b_tokens)
    ]  # tenant B sees its one job, never tenant A's two
    empty = a.http.get("/v1/usage", params={"from": "2026-01-01", "to": "2026-01-02"}).json()
    assert (empty["groups"], empty["total"]["jobs"]) == ([], 0)

    from tests.e2e.sdk.test_cli import run  # the installed `reports` command, as tenant A

    table = run(platform, "usage", "--by", "model")
    assert table.returncode == 0, table.stderr
    assert table.stdout.splitlines()[1].split() == [
        "MODEL",
        "JOBS",
        "INPUT",
        "TOKENS",
        "OUTPUT",
        "TOKENS",
        "COST",
        "USD",
    ]
    assert table.stdout.splitlines()[2].split()[:4] == [
        "dev-llm",
        "2",
        str(served_a["inputTokens"]),
        str(served_a["outputTokens"]),
    ]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "yesterday"}, "?from"),
        ({"to": "2026-13-01"}, "?to"),
        ({"from": "2026-12-01T10:00:00"}, "?from"),  # a time of day needs its offset
        ({"from": "2026-12-02", "to": "2026-12-01"}, "?from"),  # from after to
        ({"from": "2024-01-01", "to": "2026-01-01"}, "?from"),  # more than 366 days
        ({"groupBy": "tenant"}, "?groupBy"),
    ],
)
def test_bad_usage_parameters_are_a_400_naming_the_parameter(
    session_platform: Platform, query: dict[str, str], field: str
):  # it only calls the API
    response = plain_http.get(f"{session_platform.gateway_url}/v1/usage", params=query, headers=AUTH_A)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_request" and [d["path"] for d in error["details"]] == [field]


def test_a_job_canceled_while_the_llm_writes_keeps_what_the_call_used(start_platform: Callable[..., Platform]):
    from tests.support.polling import eventually

    platform = start_platform(REPORTS_LLM_MODEL="dev-llm+speed=400", REPORTS_LLM_PRICES=PRICES)
    api = Api(platform.gateway_url, AUTH_A)
    job_id = api.job(api.media()["mediaId"])
    api.events(job_id, stop_after=lambda event: event["progress"] is not None)  # the answer is streaming

    assert api.http.post(f"/v1/jobs/{job_id}/cancel").json()["status"] == "canceled"
    usage = eventually(lambda: api.http.get(f"/v1/jobs/{job_id}").json()["usage"], what="the canceled job's usage")

    served = _served(platform)
    assert (usage["attempts"], usage["inputTokens"], usage["outputTokens"]) == (
        1,
        served["inputTokens"],
        served["outputTokens"],
    )
