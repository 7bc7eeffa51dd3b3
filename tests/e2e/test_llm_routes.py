"""Routes and failover in the whole stack: the first route (the dev LLM's OpenAI API, answering 500
every time) fails, each job is retried at once on the second (its Anthropic API) and succeeds there;
after two outages the first route's circuit is open and later jobs go straight to the second. The
report's meta.render names the route that answered, the job's usage.calls every call made."""

from __future__ import annotations

from tests.support import plain_http
from tests.support.api import Api
from tests.support.tenants import AUTH_A


def test_a_failing_provider_opens_its_circuit_and_jobs_finish_on_the_second_route(start_platform):
    platform = start_platform(
        REPORTS_LLM_ROUTES="openai:dev-llm+fail=500,anthropic:dev-llm",
        REPORTS_LLM_CIRCUIT_FAILURES="2",
        REPORTS_LLM_CIRCUIT_COOLDOWN_S="600",
    )
    api = Api(platform.gateway_url, AUTH_A)
    media = api.media()["mediaId"]
    jobs = [api.wait(api.job(media)) for _ in range(4)]  # one after another: the circuit's order is known

    assert [job["status"] for job in jobs] == ["succeeded"] * 4
    calls = [[(c["provider"], c["outcome"]) for c in job["usage"]["calls"]] for job in jobs]
    assert calls[:2] == [[("openai", "http 500"), ("anthropic", "ok")]] * 2
    assert calls[2:] == [[("anthropic", "ok")]] * 2  # the circuit is open: openai is skipped
    for job in jobs:
        assert (job["usage"]["provider"], job["usage"]["attempts"]) == ("anthropic", len(job["usage"]["calls"]))
        report = api.http.get(f"/v1/reports/by-job/{job['jobId']}").json()
        assert report["json"]["meta"]["render"]["provider"] == "anthropic"
        assert report["json"]["meta"]["render"]["attempts"] == len(job["usage"]["calls"])
    served = plain_http.get(platform.addresses["devllm"] + "/stats").json()["byEndpoint"]
    assert served["openai.chat_completions"] == {"500": 2}
