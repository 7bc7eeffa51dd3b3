"""A tenant's in-flight cap across two renderers: with inflight:2 and six jobs, never more than two of
its jobs are running at once (read from the order of their status events in JOB_EVENTS), the others
wait (stage `waiting`, with the reason), all six succeed; another tenant's jobs never wait."""

from __future__ import annotations

from typing import Any

from tests.support.api import Api
from tests.support.tenants import AUTH_A, AUTH_B

JOBS = 6


def _most_running_at_once(histories: list[list[tuple[int, dict[str, Any]]]]) -> int:
    """Walks every job's events in stream order: +1 when a job starts running, -1 when it ends."""
    changes: list[tuple[int, int]] = []
    for events in histories:
        started = next(seq for seq, e in events if e["status"] == "running")
        ended = next(seq for seq, e in events if e["status"] in ("succeeded", "failed", "canceled"))
        changes += [(started, 1), (ended, -1)]
    most = now = 0
    for _, change in sorted(changes):
        now += change
        most = max(most, now)
    return most


def test_a_tenant_never_has_more_jobs_running_than_its_cap_and_all_finish(start_platform):
    platform = start_platform(
        renderers=2, REPORTS_TENANT_LIMITS="tenant-a=inflight:2", REPORTS_LLM_MODEL="dev-llm+latency=1000"
    )
    capped, other = Api(platform.gateway_url, AUTH_A), Api(platform.gateway_url, AUTH_B)
    media_a, media_b = capped.media()["mediaId"], other.media()["mediaId"]
    jobs_a = [capped.job(media_a) for _ in range(JOBS)]
    jobs_b = [other.job(media_b) for _ in range(3)]

    assert all(capped.wait(job)["status"] == "succeeded" for job in jobs_a)
    assert all(other.wait(job)["status"] == "succeeded" for job in jobs_b)

    histories_a = [capped.events(job, "0") for job in jobs_a]
    assert _most_running_at_once(histories_a) <= 2
    waits = [e for events in histories_a for _, e in events if e["stage"] == "waiting"]
    assert waits, "six jobs on two renderers of 16 slots: some must have waited"
    assert all(w["status"] == "queued" and "inflight:2" in w["progress"]["waitingReason"] for w in waits)
    histories_b = [other.events(job, "0") for job in jobs_b]
    assert not [e for events in histories_b for _, e in events if e["stage"] == "waiting"]
