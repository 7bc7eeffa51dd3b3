"""Cue scanning shared by WebVTT and SRT: timing lines, cue blocks, 1-based line numbers.

Tolerant on purpose: timestamps with or without hours, `,` or `.` before the milliseconds, CRLF or
CR line ends, a BOM, trailing spaces, a missing blank line between cues (a cue number just before
a timing line is dropped from the previous cue's text), and stray text after a cue (kept as part
of that cue). Text before the first cue, or a malformed timing line, is rejected with its line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .assemble import Piece
from .cuetext import cue_parts
from .errors import INVALID_TRANSCRIPT, TranscriptError

_TIMING = re.compile(r"^(\S+?)\s*-->\s*(\S+)(?:\s+(.*))?$")
_TIMESTAMP = re.compile(r"(?:(\d+):)?(\d{1,2}):(\d{1,2})(?:[.,](\d{1,3}))?")
_EXAMPLE = "00:00:01.000 --> 00:00:02.000"
_VTT_HEADER = re.compile(r"^WEBVTT(?:[ \t].*)?$")
_VTT_SKIPPED_BLOCK = re.compile(r"^(?:NOTE|STYLE|REGION)(?:[ \t].*)?$")


@dataclass
class Cue:
    start: float
    end: float
    lines: list[str] = field(default_factory=list)


def error(line: int, problem: str) -> TranscriptError:
    return TranscriptError(INVALID_TRANSCRIPT, f"line {line}: {problem}", "/content")


def split_lines(content: object, fmt_name: str) -> list[str]:
    if not isinstance(content, str):
        raise TranscriptError(INVALID_TRANSCRIPT, f"content: must be a string holding {fmt_name} text", "/content")
    text = content.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise error(1, "the content is empty")
    return text.split("\n")


def scan(lines: list[str], *, first: int = 0, webvtt: bool = False) -> list[Cue]:
    """Cues from lines[first:]; `webvtt` skips NOTE, STYLE and REGION blocks."""
    cues: list[Cue] = []
    open_cue: Cue | None = None
    skipping = False
    for n in range(first, len(lines)):
        line, number = lines[n].strip(), n + 1
        if not line:
            open_cue, skipping = None, False
        elif skipping:
            continue
        elif "-->" in line:
            if open_cue is not None and open_cue.lines and open_cue.lines[-1].strip().isdigit():
                open_cue.lines.pop()  # "2" of the next SRT cue, with no blank line before it
            open_cue = _timing(line, number)
            cues.append(open_cue)
        elif open_cue is not None:
            open_cue.lines.append(line)
        elif webvtt and _VTT_SKIPPED_BLOCK.match(line):
            skipping = True
        elif n + 1 < len(lines) and "-->" in lines[n + 1]:
            continue  # a cue identifier (WebVTT) or cue number (SRT)
        elif cues:
            open_cue = cues[-1]  # text after a blank line inside a cue
            open_cue.lines.append(line)
        else:
            raise error(number, f"expected a cue timing line ({_EXAMPLE}), found {_quote(line)}")
    return cues


def vtt_body_start(lines: list[str]) -> int:
    """Index of the first line after the WEBVTT header block."""
    if not _VTT_HEADER.match(lines[0].strip()):
        raise error(1, f"expected the WEBVTT header, found {_quote(lines[0].strip())}")
    for n in range(1, len(lines)):
        if not lines[n].strip() or "-->" in lines[n]:
            return n
    return len(lines)


def pieces(cues: list[Cue]) -> list[Piece]:
    """Each cue's text as pieces; a cue naming several speakers is split by word count."""
    out: list[Piece] = []
    for cue in cues:
        parts = cue_parts(cue.lines)
        total = sum(max(len(text.split()), 1) for _, text in parts)
        done = 0
        for speaker, text in parts:
            begin = cue.start + (cue.end - cue.start) * done / total
            done += max(len(text.split()), 1)
            finish = cue.start + (cue.end - cue.start) * done / total
            out.append(Piece(speaker, round(begin, 3), round(finish, 3), text))
    return out


def _timing(line: str, number: int) -> Cue:
    match = _TIMING.match(line)
    if not match or "-->" in (match.group(3) or ""):
        raise error(number, f"invalid cue timing line {_quote(line)}")
    start_text, end_text = match.group(1), match.group(2)
    start, end = _seconds(start_text, number), _seconds(end_text, number)
    if end < start:
        raise error(number, f"end {end_text} is before start {start_text}")
    return Cue(start, end)


def _seconds(stamp: str, number: int) -> float:
    match = _TIMESTAMP.fullmatch(stamp)
    if not match or int(match.group(2)) > 59 or int(match.group(3)) > 59:
        expected = "expected HH:MM:SS.mmm or MM:SS.mmm"
        raise error(number, f"invalid timestamp {_quote(stamp)}, {expected}")
    hours, minutes, seconds, millis = match.groups()
    fraction = int((millis or "0").ljust(3, "0")) / 1000
    return round(int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds) + fraction, 3)


def _quote(text: str, limit: int = 60) -> str:
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")
