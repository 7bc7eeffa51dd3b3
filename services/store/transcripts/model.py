"""What a parsed transcript is: speaker-labelled, timed segments."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from services.domain.segments import UNKNOWN_SPEAKER, Segment

__all__ = ["FORMATS", "UNKNOWN_SPEAKER", "ParsedTranscript", "Segment", "speaker_ids"]

FORMATS = ("segments", "webvtt", "srt", "whisperx", "assemblyai", "deepgram")


@dataclass(frozen=True)
class ParsedTranscript:
    format: str
    segments: tuple[Segment, ...]
    duration_sec: float


def speaker_ids(segments: Iterable[Segment], *, include_unknown: bool = False) -> list[str]:
    """Speaker ids in order of first appearance; UNKNOWN_SPEAKER only when asked for."""
    seen: dict[str, None] = {}
    for segment in segments:
        if include_unknown or segment.speaker != UNKNOWN_SPEAKER:
            seen.setdefault(segment.speaker, None)
    return list(seen)
