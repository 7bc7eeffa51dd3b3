"""Transcript ingestion: parse the supported export formats into speaker-labelled segments, and
per-speaker conversation analytics. Pure domain code: no transport, no IO."""

from . import limits
from .analytics import SpeakerAnalytics, compute_analytics
from .detect import detect_format
from .errors import (
    CODES,
    INVALID_SPEAKERS,
    INVALID_TRANSCRIPT,
    NO_SPEAKERS,
    NO_SPEECH,
    UNKNOWN_FORMAT,
    TranscriptError,
)
from .model import FORMATS, UNKNOWN_SPEAKER, ParsedTranscript, Segment, speaker_ids
from .parse import parse_transcript

__all__ = [
    "CODES",
    "FORMATS",
    "INVALID_SPEAKERS",
    "INVALID_TRANSCRIPT",
    "NO_SPEAKERS",
    "NO_SPEECH",
    "UNKNOWN_FORMAT",
    "UNKNOWN_SPEAKER",
    "ParsedTranscript",
    "Segment",
    "SpeakerAnalytics",
    "TranscriptError",
    "compute_analytics",
    "detect_format",
    "limits",
    "parse_transcript",
    "speaker_ids",
]
