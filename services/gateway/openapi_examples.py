"""Examples for the OpenAPI document: one request and answer per main operation, taken from the
walkthrough's pricing call (`examples/`), so the reference page reads like the README."""

from __future__ import annotations

from typing import Any

MEDIA_ID = "med_0661b3ee8f8d421f3dbc3efb04"
JOB_ID = "job_0661b3ee90d58f349678b40616"
REPORT_ID = "rep_0661b3ee92608489d326fe271f"
AT = "2026-12-03T05:21:29.874Z"

CREATE_MEDIA: dict[str, Any] = {
    "title": "Pricing call with Northwind",
    "transcript": {
        "format": "segments",
        "content": [
            {
                "speaker": "Ben",
                "start": 0.0,
                "end": 6.5,
                "text": "Hi Ana, thanks for making time. I'm Ben, I look after mid-sized accounts at Acme.",
            },
            {
                "speaker": "Ana",
                "start": 6.5,
                "end": 19.0,
                "text": "Hi Ben. I'm Ana Ruiz, the CFO at Northwind. What does it cost per seat?",
            },
        ],
    },
    "speakers": [
        {"id": "Ana", "label": "Ana Ruiz", "description": "CFO, Northwind"},
        {"id": "Ben", "label": "Ben Okafor", "description": "Account executive, Acme"},
    ],
}

MEDIA: dict[str, Any] = {
    "mediaId": MEDIA_ID,
    "title": "Pricing call with Northwind",
    "url": None,
    "durationSec": 19.0,
    "transcriptFormat": "segments",
    "createdAt": AT,
    "expiresAt": None,
    "entities": [
        {
            "id": "Ana",
            "label": "Ana Ruiz",
            "description": "CFO, Northwind",
            "speakingSec": 12.5,
            "share": 0.6579,
            "turns": 1,
            "words": 16,
            "wordsPerMinute": 76.8,
            "questions": 1,
            "longestMonologueSec": 12.5,
            "interruptions": 0,
            "meanTurnSec": 12.5,
        },
        {
            "id": "Ben",
            "label": "Ben Okafor",
            "description": "Account executive, Acme",
            "speakingSec": 6.5,
            "share": 0.3421,
            "turns": 1,
            "words": 16,
            "wordsPerMinute": 147.7,
            "questions": 0,
            "longestMonologueSec": 6.5,
            "interruptions": 0,
            "meanTurnSec": 6.5,
        },
    ],
}

TARGET: dict[str, Any] = {"strategy": "magic_hint", "hint": "the CFO", "on_miss": "error"}

RESOLUTION: dict[str, Any] = {
    "entity": {"id": "Ana", "label": "Ana Ruiz"},
    "strategy": "magic_hint",
    "fellBack": False,
    "confidence": 0.9,
    "reason": "matched hint 'the CFO' to Ana's self-introduction \"I'm Ana Ruiz, the CFO at Northwind.\" (0.90)",
    "evidence": [{"start": 6.5, "end": 19.0}],
}

CREATE_JOB: dict[str, Any] = {
    "media": {"mediaId": MEDIA_ID},
    "output": {"template": "sales_playbook", "templateParams": {"seller_company": "Acme", "product": "Ledger"}},
    "target": TARGET,
    "idempotencyKey": "northwind-pricing-1",
}

CREATED: dict[str, Any] = {"jobId": JOB_ID, "status": "queued", "stage": "queued", "estimatedWaitSec": 0}

JOB: dict[str, Any] = {
    "jobId": JOB_ID,
    "status": "succeeded",
    "stage": None,
    "label": None,
    "mediaId": MEDIA_ID,
    "template": "sales_playbook",
    "target": {"strategy": "magic_hint", "on_miss": "error", "entity_id": None, "hint": "the CFO", "timerange": None},
    "createdAt": "2026-12-03T05:21:29.773Z",
    "updatedAt": AT,
    "reportId": REPORT_ID,
    "error": None,
    "resolution": {
        "entityId": "Ana",
        "entityLabel": "Ana Ruiz",
        "strategy": "magic_hint",
        "fellBack": False,
        "confidence": 0.9,
        "reason": RESOLUTION["reason"],
    },
    "webhook": None,
    "reportDeleted": False,
    "expiresAt": None,
    "usage": {
        "inputTokens": 5210,
        "outputTokens": 940,
        "attempts": 1,
        "provider": "openai",
        "model": "gpt-6.1-sol-2026-09-29",
        "costUsd": 0.01982,
        "calls": [{"provider": "openai", "model": "gpt-6.1-sol-2026-09-29", "outcome": "ok"}],
    },
}


USAGE: dict[str, Any] = {
    "from": "2026-12-01T00:00:00.000Z",
    "to": "2026-12-03T00:00:00.000Z",
    "groupBy": "day",
    "groups": [
        {"group": "2026-12-01", "jobs": 2, "inputTokens": 10420, "outputTokens": 1880, "costUsd": 0.03964},
        {"group": "2026-12-02", "jobs": 1, "inputTokens": 5210, "outputTokens": 940, "costUsd": 0.01982},
    ],
    "total": {"jobs": 3, "inputTokens": 15630, "outputTokens": 2820, "costUsd": 0.05946},
}


def one(summary: str, value: Any) -> dict[str, Any]:
    """An OpenAPI `examples` map with one example."""
    return {"example": {"summary": summary, "value": value}}
