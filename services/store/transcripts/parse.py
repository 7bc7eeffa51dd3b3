"""parse_transcript: the one entry point, dispatching on the named or detected format."""

from __future__ import annotations

from collections.abc import Callable

from . import assemblyai, deepgram, segments, srt, webvtt, whisperx
from .detect import detect_format, looks_like_json
from .errors import UNKNOWN_FORMAT, TranscriptError
from .jsonfields import load_json
from .model import FORMATS, ParsedTranscript

_PARSERS: dict[str, Callable[[object], ParsedTranscript]] = {
    "segments": segments.parse,
    "webvtt": webvtt.parse,
    "srt": srt.parse,
    "whisperx": whisperx.parse,
    "assemblyai": assemblyai.parse,
    "deepgram": deepgram.parse,
}


def parse_transcript(format: str | None, content: object) -> ParsedTranscript:
    """Parse `content` as `format`, or as the detected format when `format` is None or ""."""
    name = (format or "").strip().lower()
    if not name:
        if isinstance(content, str) and looks_like_json(content):
            content = load_json(content)
        name = detect_format(content)
    elif name not in _PARSERS:
        raise TranscriptError(UNKNOWN_FORMAT, f"format: {format!r} is not one of {', '.join(FORMATS)}", "/format")
    return _PARSERS[name](content)
