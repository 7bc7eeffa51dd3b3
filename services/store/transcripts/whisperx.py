"""WhisperX / whisper JSON: {"segments": [{"start", "end", "text", "speaker", "words": [...]}]}.

When a segment's words carry speakers, turns follow the words (consecutive words of one speaker
form a piece); otherwise the segment is one piece with the segment's speaker. "words": null works.
"""

from __future__ import annotations

from typing import Any

from .assemble import Piece, assemble
from .jsonfields import Loc, as_list, as_object, load_json, number, speaker, text, timed
from .model import ParsedTranscript
from .words import Word, group_words


def parse(content: object) -> ParsedTranscript:
    data = as_object(load_json(content), Loc())
    loc = Loc().key("segments")
    if "segments" not in data:
        raise loc.error("is required")
    pieces: list[Piece] = []
    for i, item in enumerate(as_list(data["segments"], loc)):
        at = loc.index(i)
        segment = as_object(item, at)
        begin, finish = timed(segment, at)
        who = speaker(segment, at)
        words = _words(segment, at)
        if any(w.speaker is not None for w in words):
            pieces.extend(group_words(words, start=begin, end=finish, speaker=who))
        else:
            pieces.append(Piece(who, begin, finish, text(segment, at, "text")))
    return assemble("whisperx", pieces, where="segments", path=loc.pointer)


def _words(segment: dict[str, Any], loc: Loc) -> list[Word]:
    raw = segment.get("words")
    if raw is None:
        return []
    at = loc.key("words")
    words = []
    for j, item in enumerate(as_list(raw, at)):
        word_at = at.index(j)
        word = as_object(item, word_at)
        start = number(word, word_at, "start") if word.get("start") is not None else None
        end = number(word, word_at, "end") if word.get("end") is not None else None
        if start is not None and end is not None and end < start:
            raise word_at.key("end").error(f"end {word['end']} is before start {word['start']}")
        words.append(Word(speaker(word, word_at), start, end, text(word, word_at, "word")))
    return words
