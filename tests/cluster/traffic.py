"""REST and SSE clients for the cluster test: job submitters that fail over, SSE watchers that resume."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

from stack.sample_call import OPENING as SEGMENTS

TERMINAL = {"succeeded", "failed", "canceled"}
RETRYABLE = {502, 503, 504}


Event = tuple[int, dict[str, Any]]


class Gateways:
    """Calls that go to a preferred gateway and move to the next one when it is gone."""

    def __init__(self, urls: list[str], auth: dict[str, str]) -> None:
        self.urls = urls
        self.auth = auth
        self._local = threading.local()

    def _client(self) -> httpx.Client:
        client = getattr(self._local, "client", None)
        if client is None:
            client = self._local.client = httpx.Client(headers=self.auth, timeout=httpx.Timeout(15, connect=3))
        return client

    def request(self, method: str, path: str, *, prefer: int = 0, attempts: int = 40, **kwargs: Any) -> httpx.Response:
        last: str = ""
        for attempt in range(attempts):
            url = self.urls[(prefer + attempt) % len(self.urls)]
            try:
                response = self._client().request(method, url + path, **kwargs)
            except httpx.TransportError as exc:
                last = f"{url}: {exc!r}"
            else:
                if response.status_code not in RETRYABLE:
                    return response
                last = f"{url}: {response.status_code} {response.text[:200]}"
            if attempt >= len(self.urls) - 1:
                time.sleep(0.25)  # every gateway refused: pace the retries while one comes back
        raise AssertionError(f"{method} {path} failed {attempts} times; last: {last}")

    def create_media(self) -> str:
        response = self.request(
            "POST", "/v1/media", json={"title": "call", "transcript": {"format": "segments", "content": SEGMENTS}}
        )
        assert response.status_code == 201, response.text
        return str(response.json()["mediaId"])

    def create_job(self, media_id: str, number: int) -> str:
        """A job, submitted to gateway `number % n`; a retry elsewhere keeps its idempotency key."""
        body = {
            "media": {"mediaId": media_id},
            "output": {"template": "sales_playbook"},
            "target": {"strategy": "dominant", "on_miss": "error"},
            "idempotencyKey": f"cluster-job-{number}",
        }
        response = self.request("POST", "/v1/reports/jobs", prefer=number, json=body)
        assert response.status_code == 202, response.text
        return str(response.json()["jobId"])

    def all_pages(self, path: str, **params: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        cursor = ""
        for _ in range(1000):
            query = {**params, "limit": "100", **({"cursor": cursor} if cursor else {})}
            response = self.request("GET", path, params=query)
            assert response.status_code == 200, response.text
            page = response.json()
            items += page["items"]
            cursor = page.get("nextCursor") or ""
            if not cursor:
                return items
        raise AssertionError(f"{path}: more than 1000 pages")

    def statuses(self) -> Counter[str]:
        return Counter(job["status"] for job in self.all_pages("/v1/jobs"))

    def events(self, job_id: str, last_event_id: str | None, base_url: str | None = None) -> list[Event]:
        """A job's SSE stream, read to its end."""
        headers = dict(self.auth)
        if last_event_id is not None:
            headers["Last-Event-ID"] = last_event_id
        url = f"{base_url or self.urls[0]}/v1/jobs/{job_id}/events"
        with httpx.stream("GET", url, headers=headers, timeout=httpx.Timeout(30, connect=3)) as response:
            assert response.status_code == 200, response.read()
            return list(parse_sse(response))


def parse_sse(response: httpx.Response):  # type: ignore[no-untyped-def]
    event_id: int | None = None
    for line in response.iter_lines():
        if line.startswith("id: "):
            event_id = int(line[4:])
        elif line.startswith("data: "):
            assert event_id is not None, line
            yield event_id, json.loads(line[6:])


@dataclass
class Part:
    """One connection of an SSE client: where, after which event, what came, how it ended."""

    gateway: str
    last_event_id: int | None
    events: list[Event] = field(default_factory=list)
    ended: str = ""  # "terminal", or how the connection broke


@dataclass
class Watcher:
    """One SSE client of one job: it starts on `gateways[0]` and, cut off, resumes on the next one
    with `Last-Event-ID` (once it has seen an event), as a browser's EventSource does."""

    job_id: str
    gateways: list[str]
    auth: dict[str, str]
    parts: list[Part] = field(default_factory=list)  # connections that were answered with 200
    attached: threading.Event = field(default_factory=threading.Event)
    finished: threading.Event = field(default_factory=threading.Event)
    problems: list[str] = field(default_factory=list)

    @property
    def events(self) -> list[Event]:
        return [event for part in self.parts for event in part.events]

    @property
    def cut_off(self) -> bool:
        """Its first connection broke after some events but before the job's end."""
        return bool(self.parts and self.parts[0].events and self.parts[0].ended != "terminal")

    def run(self, deadline: float) -> None:
        try:
            self._run(deadline)
        except Exception as exc:  # noqa: BLE001 - the test reads the problem; a thread must not die silently
            self.problems.append(repr(exc))
        finally:
            self.finished.set()

    def _run(self, deadline: float) -> None:
        last_id: int | None = None
        for attempt in range(50):
            if time.monotonic() > deadline:
                self.problems.append("deadline passed before the job's terminal event")
                return
            gateway = self.gateways[attempt % len(self.gateways)]
            headers = dict(self.auth)
            if last_id is not None:
                headers["Last-Event-ID"] = str(last_id)
            try:
                with httpx.stream(
                    "GET",
                    f"{gateway}/v1/jobs/{self.job_id}/events",
                    headers=headers,
                    timeout=httpx.Timeout(30, connect=3),
                ) as response:
                    if response.status_code == 200:
                        part = Part(gateway, last_id)
                        self.parts.append(part)
                        for event_id, data in parse_sse(response):
                            part.events.append((event_id, data))
                            last_id = event_id
                            self.attached.set()
                            if data["status"] in TERMINAL:
                                part.ended = "terminal"
                                return
                        part.ended = "closed without the terminal event"
            except httpx.TransportError as exc:  # the gateway went away (or refused): the next one
                if self.parts and not self.parts[-1].ended:
                    self.parts[-1].ended = type(exc).__name__
            if attempt >= len(self.gateways) - 1:
                time.sleep(0.25)  # every gateway tried: pace the reconnects
        self.problems.append("gave up after 50 connections")
