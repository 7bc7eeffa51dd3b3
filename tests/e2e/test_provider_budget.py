"""A provider budget shared by two renderers: the dev LLM allows 240 requests a minute (four a second
at most, answering 429 past that) and REPORTS_LLM_LIMITS gives the renderers the same budget; twelve
jobs all succeed with at most the one 429 a budget may learn from (a call held up on a loaded machine
arrives late, bunched with the next ones), and the jobs that waited for their turn said so (stage
`waiting` with the wait and its reason, then `rendering` again)."""

from __future__ import annotations

from tests.support import plain_http
from tests.support.api import Api
from tests.support.tenants import AUTH_A

JOBS = 12


def test_two_renderers_together_keep_within_the_budget_and_jobs_wait_instead_of_failing(start_platform):
    platform = start_platform(renderers=2, DEVLLM_RPM="240", REPORTS_LLM_LIMITS="openai:dev-llm=rpm:240")
    api = Api(platform.gateway_url, AUTH_A)
    media = api.media()["mediaId"]
    jobs = [api.job(media) for _ in range(JOBS)]

    assert [api.wait(job)["status"] for job in jobs] == ["succeeded"] * JOBS
    stats = plain_http.get(platform.addresses["devllm"] + "/stats").json()
    calls = stats["byEndpoint"]["openai.chat_completions"]
    assert calls["ok"] == JOBS and calls.get("rate_limited", 0) <= 1 and set(calls) <= {"ok", "rate_limited"}

    histories = [[e for _, e in api.events(job, "0")] for job in jobs]
    waited = [h for h in histories if any(e["stage"] == "waiting" for e in h)]
    assert waited, "twelve jobs at once, four calls a second: some wait their turn"
    for history in waited:
        at = next(i for i, e in enumerate(history) if e["stage"] == "waiting")
        wait = history[at]
        assert wait["status"] == "running" and wait["progress"]["waitingSec"] > 0
        assert "openai:dev-llm" in wait["progress"]["waitingReason"] and "rpm:240" in wait["progress"]["waitingReason"]
        assert history[at + 1]["stage"] == "rendering"
