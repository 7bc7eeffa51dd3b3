"""SRT (SubRip): numbered cues, HH:MM:SS,mmm timings (`.` accepted too) and the speaker prefixes
of cuetext.py; tolerant of missing blank lines and trailing spaces."""

from __future__ import annotations

from . import cues
from .assemble import assemble
from .model import ParsedTranscript


def parse(content: object) -> ParsedTranscript:
    found = cues.scan(cues.split_lines(content, "SRT"))
    return assemble("srt", cues.pieces(found), where="content", path="/content")
