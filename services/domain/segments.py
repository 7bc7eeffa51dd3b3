"""What a transcript's speech is once parsed: speaker-labelled, timed segments. The store parses
transcripts into them; the resolver reads them to find the target and the evidence."""

from __future__ import annotations

from dataclasses import dataclass

UNKNOWN_SPEAKER = "unknown"
"""The speaker id of undiarized speech. It is never picked as a target."""


def is_unknown(speaker_id: str) -> bool:
    """True for the undiarized-speech id ("unknown", in any case)."""
    return speaker_id.strip().lower() == UNKNOWN_SPEAKER


@dataclass(frozen=True)
class Segment:
    speaker: str
    start: float
    end: float
    text: str
