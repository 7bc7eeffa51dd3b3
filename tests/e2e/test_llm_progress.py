"""A job's SSE stream shows the LLM's progress while it writes, and the waits on the provider."""

from __future__ import annotations

from collections.abc import Callable

from stack.platform import Platform
from tests.support.api import Api
from tests.support.tenants import AUTH_A


def _states(events: list[tuple[int, dict]]) -> list[tuple[str, str | None, bool]]:
    return [(e["status"], e["stage"], e["progress"] is not None) for _, e in events]


def test_progress_events_show_tokens_so_far_while_a_slow_answer_streams(start_platform: Callable[..., Platform]):
    platform = start_platform(REPORTS_LLM_MODEL="dev-llm+speed=600")
    api = Api(platform.gateway_url, AUTH_A)
    job_id = api.job(api.media()["mediaId"])

    events = api.events(job_id, last_event_id="0")

    progress = [e["progress"]["outputTokens"] for _, e in events if e["progress"]]
    assert progress and progress == sorted(progress) and progress[0] > 0
    states = _states(events)
    rendering = states.index(("running", "rendering", False))
    succeeded = states.index(("succeeded", None, False))
    assert all(s == ("running", "rendering", True) for s in states[rendering + 1 : succeeded])
    assert events[-1][1]["status"] == "succeeded" and events[-1][1]["progress"] is None


def test_a_wait_on_a_rate_limited_provider_shows_as_an_event(start_platform: Callable[..., Platform]):
    platform = start_platform(REPORTS_LLM_MODEL="dev-llm+fail=429*1+retry_after=1000")
    api = Api(platform.gateway_url, AUTH_A)
    job_id = api.job(api.media()["mediaId"])

    events = api.events(job_id, last_event_id="0")

    waits = [e["progress"] for _, e in events if e["progress"] and e["progress"]["waitingSec"]]
    assert [(w["waitingSec"], w["waitingReason"][:8]) for w in waits] == [(1.0, "HTTP 429")]
    assert events[-1][1]["status"] == "succeeded"
