"""How much one transcript may hold, so the work and the rows it makes stay bounded.

Checked on the parsed transcript, before analytics: a count over the limit is `transcript_too_large`
(the gateway answers 413), a time that is not a finite number of seconds within MAX_SECONDS is
`invalid_transcript` (400: 1e308 seconds overflowed the sums to infinity, and infinity is no JSON).
README: Limits lists them.
"""

from __future__ import annotations

import math

from .errors import INVALID_TRANSCRIPT, TOO_LARGE, TranscriptError
from .model import ParsedTranscript

MAX_SEGMENTS = 50_000
MAX_SPEAKERS = 200
MAX_TEXT_CHARS = 2_000_000
MAX_SECONDS = 1_000_000.0  # about 11.5 days
MAX_SPEAKER_CHARS = 256  # as the media request's speakers[].id
MAX_CONTENT_CHARS = 20 * 1024 * 1024  # the transcript as sent (the gateway's media body limit)


def check(parsed: ParsedTranscript) -> None:
    segments = parsed.segments
    if len(segments) > MAX_SEGMENTS:
        raise TranscriptError(
            TOO_LARGE, f"a transcript holds at most {MAX_SEGMENTS} segments, this one {len(segments)}"
        )
    speakers: set[str] = set()
    chars = 0
    for index, segment in enumerate(segments):
        for name in ("start", "end"):
            value = getattr(segment, name)
            if not (math.isfinite(value) and 0 <= value <= MAX_SECONDS):
                raise TranscriptError(
                    INVALID_TRANSCRIPT, f"segment {index + 1}: {name} must be from 0 to {MAX_SECONDS:.0f} seconds"
                )
        if len(segment.speaker) > MAX_SPEAKER_CHARS:
            raise TranscriptError(
                INVALID_TRANSCRIPT, f"segment {index + 1}: speaker ids are at most {MAX_SPEAKER_CHARS} characters"
            )
        speakers.add(segment.speaker)
        chars += len(segment.text)
    if len(speakers) > MAX_SPEAKERS:
        raise TranscriptError(TOO_LARGE, f"a transcript has at most {MAX_SPEAKERS} speakers, this one {len(speakers)}")
    if chars > MAX_TEXT_CHARS:
        raise TranscriptError(
            TOO_LARGE, f"a transcript holds at most {MAX_TEXT_CHARS} characters of text, this one {chars}"
        )
