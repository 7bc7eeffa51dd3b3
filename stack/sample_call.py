"""A sample pricing call: Ana (the CFO at Northwind) and Ben (the seller from Acme), as diarized
segments. The end-to-end and cluster tests send its opening; the benchmarks send all of it."""

from __future__ import annotations

from typing import Any

OPENING: list[dict[str, Any]] = [
    {
        "speaker": "ana",
        "start": 0.0,
        "end": 8.0,
        "text": "Hi, I'm Ana, the CFO at Northwind. Before anything else: what does it cost per seat?",
    },
    {"speaker": "ben", "start": 8.0, "end": 12.0, "text": "Thanks Ana. It depends on volume, I'm Ben from Acme."},
    {
        "speaker": "ana",
        "start": 12.0,
        "end": 30.0,
        "text": "We have forty seats, and we need numbers by Friday. Our board wants a clear payback period.",
    },
    {"speaker": "ben", "start": 30.0, "end": 34.0, "text": "Understood. What would make this an easy yes?"},
    {
        "speaker": "ana",
        "start": 34.0,
        "end": 50.0,
        "text": "A pilot with a fixed price, and references from two companies our size. I hate surprises.",
    },
]

FULL_CALL: list[dict[str, Any]] = [
    *OPENING,
    {"speaker": "ben", "start": 50.0, "end": 56.0, "text": "We can do a six week pilot. Who else signs off?"},
    {
        "speaker": "ana",
        "start": 56.0,
        "end": 70.0,
        "text": "Our CTO checks security, but the budget is mine. Send me a one page summary, not a deck.",
    },
    {"speaker": "ben", "start": 70.0, "end": 74.0, "text": "One page, fixed price, two references. Anything else?"},
    {
        "speaker": "ana",
        "start": 74.0,
        "end": 88.0,
        "text": "Be honest about what it cannot do. Last vendor overpromised and we lost a quarter.",
    },
]
