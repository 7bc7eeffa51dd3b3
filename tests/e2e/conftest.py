"""The whole platform as real processes: nats-server, dev LLM, store, resolver, renderer(s), gateway."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from stack.platform import Platform, PlatformConfig
from stack.sample_call import OPENING as SEGMENTS

DATA = Path(__file__).resolve().parents[1] / "fixtures" / "transcripts"
KEYS = "key-a=tenant-a,key-b=tenant-b"
AUTH_A = {"Authorization": "Bearer key-a"}
AUTH_B = {"Authorization": "Bearer key-b"}
TERMINAL = {"succeeded", "failed", "canceled"}

# Fast failure paths: small ack wait and backoff, so redeliveries happen within a test.
FAST = {
    "REPORTS_RENDERER_ACK_WAIT_S": "2",
    "REPORTS_LLM_IDLE_TIMEOUT_S": "5",
    "REPORTS_LLM_BACKOFF_MAX_S": "1",
    "REPORTS_SSE_PING_S": "1",
    # These tests poll and fuzz far faster than a tenant's default 50 requests a second; the limits
    # have their own tests (tests/integration/gateway/test_rate_limits.py).
    "REPORTS_DEFAULT_TENANT_LIMITS": "rps:100000,burst:1000000",
}


@dataclass
class Api:
    """A small synchronous client of the REST API, as a user's script would be."""

    base_url: str
    auth: dict[str, str]

    def __post_init__(self) -> None:
        self.http = httpx.Client(base_url=self.base_url, headers=self.auth, timeout=30)

    def media(self, segments: list[dict[str, Any]] | None = None, **body: Any) -> dict[str, Any]:
        payload = {"title": "call", "transcript": {"format": "segments", "content": segments or SEGMENTS}, **body}
        response = self.http.post("/v1/media", json=payload)
        assert response.status_code == 201, response.text
        return response.json()

    def job(self, media_id: str, template: str = "sales_playbook", **body: Any) -> str:
        payload = {"media": {"mediaId": media_id}, "output": {"template": template},
                   "target": {"strategy": "dominant", "on_miss": "error"}, **body}
        response = self.http.post("/v1/reports/jobs", json=payload)
        assert response.status_code == 202, response.text
        return str(response.json()["jobId"])

    def events(self, job_id: str, last_event_id: str | None = None, *, base_url: str | None = None,
               stop_after: Callable[[dict[str, Any]], bool] | None = None) -> list[tuple[int, dict[str, Any]]]:
        """The SSE stream of a job until it ends (or `stop_after` says so): [(id, data), ...]."""
        headers = dict(self.auth)
        if last_event_id is not None:
            headers["Last-Event-ID"] = last_event_id
        events: list[tuple[int, dict[str, Any]]] = []
        url = f"{base_url or self.base_url}/v1/jobs/{job_id}/events"
        with httpx.stream("GET", url, headers=headers, timeout=60) as response:
            assert response.status_code == 200, response.read()
            assert response.headers["content-type"].startswith("text/event-stream")
            event_id = None
            for line in response.iter_lines():
                if line.startswith("id: "):
                    event_id = int(line[4:])
                elif line.startswith("data: "):
                    assert event_id is not None
                    events.append((event_id, json.loads(line[6:])))
                    if stop_after is not None and stop_after(events[-1][1]):
                        break
        return events

    def wait(self, job_id: str) -> dict[str, Any]:
        """The job once it has ended, watched over SSE."""
        events = self.events(job_id)
        assert events and events[-1][1]["status"] in TERMINAL, events
        return self.http.get(f"/v1/jobs/{job_id}").json()


def _platforms(root: Path) -> Iterator[Callable[..., Platform]]:
    started: list[Platform] = []

    def start(renderers: int = 1, **env: str) -> Platform:
        config = PlatformConfig(var_dir=root / f"platform-{len(started)}", api_keys=KEYS,
                                renderers=renderers, env={**FAST, **env})
        platform = Platform(config).start()
        started.append(platform)
        return platform

    yield start
    for platform in started:
        platform.stop()


@pytest.fixture
def start_platform(tmp_path: Path) -> Iterator[Callable[..., Platform]]:
    """A platform of the test's own, configured by environment overrides (LLM knobs and such)."""
    yield from _platforms(tmp_path)


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    """One default platform shared by a module's tests; each test makes its own media and jobs."""
    for start in _platforms(tmp_path_factory.mktemp("platform")):
        yield start()


@pytest.fixture
def api(platform: Platform) -> Api:
    return Api(platform.gateway_url, AUTH_A)
