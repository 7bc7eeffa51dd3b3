"""WebVTT: the WEBVTT header, cue identifiers and settings, NOTE/STYLE/REGION blocks, voice tags
and the speaker prefixes of cuetext.py."""

from __future__ import annotations

from . import cues
from .assemble import assemble
from .model import ParsedTranscript


def parse(content: object) -> ParsedTranscript:
    lines = cues.split_lines(content, "WebVTT")
    found = cues.scan(lines, first=cues.vtt_body_start(lines), webvtt=True)
    return assemble("webvtt", cues.pieces(found), where="content", path="/content")
