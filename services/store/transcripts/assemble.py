"""Turn what a format parser read into a ParsedTranscript: one set of rules for every format.

A piece without a speaker continues the previous piece's speaker (in source order); pieces before
any speaker is named belong to UNKNOWN_SPEAKER. Pieces with empty text are dropped. The result is
sorted by (start, end), stably, keeping overlaps.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from .errors import NO_SPEAKERS, NO_SPEECH, TranscriptError
from .model import UNKNOWN_SPEAKER, ParsedTranscript, Segment

_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Piece:
    """A timed piece of text as read, its speaker None when the source names none."""

    speaker: str | None
    start: float
    end: float
    text: str


def clean_text(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def assemble(fmt: str, pieces: Iterable[Piece], *, where: str, path: str) -> ParsedTranscript:
    """Build the transcript; `where` and `path` name the content in no-speech/no-speaker errors."""
    segments: list[Segment] = []
    current: str | None = None
    named = False
    for piece in pieces:
        if piece.speaker is not None:
            current = piece.speaker
        text = clean_text(piece.text)
        if not text:
            continue
        named = named or current is not None
        segments.append(Segment(current or UNKNOWN_SPEAKER, piece.start, piece.end, text))
    if not segments:
        raise TranscriptError(NO_SPEECH, f"{where}: no speech, every text is empty", path)
    if not named:
        raise TranscriptError(NO_SPEAKERS, f"{where}: no speaker labels, every segment has an unnamed speaker", path)
    segments.sort(key=lambda s: (s.start, s.end))
    return ParsedTranscript(fmt, tuple(segments), max(s.end for s in segments))
