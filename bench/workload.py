"""What the benchmarks send: one short sales call, and the job request about its dominant speaker."""

from __future__ import annotations

from typing import Any

from stack.sample_call import FULL_CALL

API_KEY = "bench-key"
TENANT = "bench"
AUTH = {"Authorization": f"Bearer {API_KEY}"}

SEGMENTS: list[dict[str, Any]] = FULL_CALL

MEDIA_BODY: dict[str, Any] = {
    "title": "Pricing call (benchmark)",
    "transcript": {"format": "segments", "content": SEGMENTS},
    "speakers": [
        {"id": "ana", "label": "Ana Ruiz", "description": "CFO"},
        {"id": "ben", "label": "Ben Okafor", "description": "Account executive"},
    ],
}


def job_body(media_id: str, template: str = "sales_playbook") -> dict[str, Any]:
    """The contract's request: the dominant speaker of the media, no idempotency key, no webhook."""
    return {
        "media": {"mediaId": media_id},
        "output": {"template": template},
        "target": {"strategy": "dominant", "on_miss": "error"},
    }
