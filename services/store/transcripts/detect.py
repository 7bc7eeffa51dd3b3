"""Which format a transcript is in, from its content alone.

- text starting (after a BOM and blank lines) with `WEBVTT` → webvtt;
- text whose first non-blank line is a `-->` timing line, or a cue number followed by one → srt;
- text starting with `{` or `[` is decoded as JSON and detected as below;
- a JSON list → segments;
- an object with `results` holding `utterances` or `channels` → deepgram;
- an object with `utterances`, or with `words` and AssemblyAI's `audio_duration`/`speaker_labels`
  → assemblyai;
- an object with `segments`: segments when it has no other key and no segment carries tool fields
  (`words`, `id`, `seek`, `tokens`), otherwise whisperx;
- anything else → TranscriptError("unknown_format").
"""

from __future__ import annotations

from typing import Any

from .errors import UNKNOWN_FORMAT, TranscriptError
from .jsonfields import load_json, type_name

_WHISPER_KEYS = frozenset({"words", "id", "seek", "tokens", "avg_logprob", "no_speech_prob"})
_ASSEMBLYAI_KEYS = frozenset({"audio_duration", "speaker_labels"})


def detect_format(content: object) -> str:
    if isinstance(content, str):
        text = content.removeprefix("\ufeff").lstrip()
        if text.startswith("WEBVTT"):
            return "webvtt"
        if looks_like_json(text):
            return detect_format(load_json(text))
        first, second = ([line.strip() for line in text.splitlines()[:2]] + ["", ""])[:2]
        if "-->" in first or (first.isdigit() and "-->" in second):
            return "srt"
        raise TranscriptError(UNKNOWN_FORMAT, NO_TIMES, "/content")
    if isinstance(content, list):
        return "segments"
    if isinstance(content, dict):
        return _detect_object(content)
    raise _unknown(type_name(content))


def looks_like_json(text: str) -> bool:
    return text.removeprefix("\ufeff").lstrip()[:1] in ("{", "[")


def _detect_object(data: dict[str, Any]) -> str:
    results = data.get("results")
    if isinstance(results, dict) and ("utterances" in results or "channels" in results):
        return "deepgram"
    if "utterances" in data or ("words" in data and _ASSEMBLYAI_KEYS & data.keys()):
        return "assemblyai"
    segments = data.get("segments")
    if isinstance(segments, list):
        tool_fields = any(isinstance(s, dict) and _WHISPER_KEYS & s.keys() for s in segments)
        return "whisperx" if tool_fields or set(data) != {"segments"} else "segments"
    keys = ", ".join(sorted(map(str, data))[:8])
    raise _unknown(f"a JSON object with keys {keys or '(none)'}")


# Text with no timing lines: no format would take it, so naming one would not help.
NO_TIMES = (
    "content: text without timestamps is not a transcript; every format needs each line's times "
    "(WebVTT starts with WEBVTT, SRT has lines like 00:00:01,000 --> 00:00:04,000)"
)


def _unknown(what: str) -> TranscriptError:
    message = (
        f"content: cannot tell the transcript format of {what}; if it is segments, whisperx, "
        "assemblyai or deepgram JSON, say so in transcript.format"
    )
    return TranscriptError(UNKNOWN_FORMAT, message, "/content")
