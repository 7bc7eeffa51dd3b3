"""The pricing call the end-to-end and cluster tests record: Ana (the CFO) and Ben (the seller)."""

from __future__ import annotations

SEGMENTS = [
    {"speaker": "ana", "start": 0.0, "end": 8.0,
     "text": "Hi, I'm Ana, the CFO at Northwind. Before anything else: what does it cost per seat?"},
    {"speaker": "ben", "start": 8.0, "end": 12.0, "text": "Thanks Ana. It depends on volume, I'm Ben from Acme."},
    {"speaker": "ana", "start": 12.0, "end": 30.0,
     "text": "We have forty seats, and we need numbers by Friday. Our board wants a clear payback period."},
    {"speaker": "ben", "start": 30.0, "end": 34.0, "text": "Understood. What would make this an easy yes?"},
    {"speaker": "ana", "start": 34.0, "end": 50.0,
     "text": "A pilot with a fixed price, and references from two companies our size. I hate surprises."},
]
