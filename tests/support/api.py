"""The REST API as a user's script would call it, for the end-to-end tests."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from stack.sample_call import OPENING as SEGMENTS
from tests.support import plain_http

TERMINAL = {"succeeded", "failed", "canceled"}


@dataclass
class Api:
    """A small synchronous client of the REST API, as a user's script would be."""

    base_url: str
    auth: dict[str, str]

    def __post_init__(self) -> None:
        self.http = plain_http.client(base_url=self.base_url, headers=self.auth, timeout=30)

    def media(self, segments: list[dict[str, Any]] | None = None, **body: Any) -> dict[str, Any]:
        payload = {"title": "call", "transcript": {"format": "segments", "content": segments or SEGMENTS}, **body}
        response = self.http.post("/v1/media", json=payload)
        assert response.status_code == 201, response.text
        return response.json()

    def job(self, media_id: str, template: str = "sales_playbook", **body: Any) -> str:
        payload = {
            "media": {"mediaId": media_id},
            "output": {"template": template},
            "target": {"strategy": "dominant", "on_miss": "error"},
            **body,
        }
        response = self.http.post("/v1/reports/jobs", json=payload)
        assert response.status_code == 202, response.text
        return str(response.json()["jobId"])

    def events(
        self,
        job_id: str,
        last_event_id: str | None = None,
        *,
        base_url: str | None = None,
        stop_after: Callable[[dict[str, Any]], bool] | None = None,
    ) -> list[tuple[int, dict[str, Any]]]:
        """The SSE stream of a job until it ends (or `stop_after` says so): [(id, data), ...]."""
        headers = dict(self.auth)
        if last_event_id is not None:
            headers["Last-Event-ID"] = last_event_id
        events: list[tuple[int, dict[str, Any]]] = []
        url = f"{base_url or self.base_url}/v1/jobs/{job_id}/events"
        with plain_http.stream("GET", url, headers=headers, timeout=60) as response:
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
