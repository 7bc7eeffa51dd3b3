"""What an SDK client sent, recorded by an httpx event hook (tests/e2e/sdk)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import httpx


@dataclass
class Requests:
    """Every request an SDK client sent: (method, path, headers, body)."""

    sent: list[tuple[str, str, dict[str, str], bytes]] = field(default_factory=list)

    def record(self, request: httpx.Request) -> None:
        try:
            body = request.content
        except httpx.RequestNotRead:
            body = b""
        self.sent.append((request.method, request.url.path, dict(request.headers), body))

    async def arecord(self, request: httpx.Request) -> None:
        self.record(request)

    def to(self, path_suffix: str) -> list[tuple[str, str, dict[str, str], bytes]]:
        return [r for r in self.sent if r[1].endswith(path_suffix)]

    def bodies(self, path: str) -> list[dict]:
        return [json.loads(body) for _m, p, _h, body in self.sent if p == path and body]
