"""AssemblyAI JSON: {"utterances": [{"speaker", "start", "end", "text"}]}, times in MILLISECONDS.

Without utterances (speaker_labels off), the top-level words[] are grouped by their speakers.
"""

from __future__ import annotations

from .assemble import Piece, assemble
from .jsonfields import Loc, as_list, as_object, load_json, speaker, text, timed
from .model import ParsedTranscript
from .words import Word, group_words

_MS = 0.001


def parse(content: object) -> ParsedTranscript:
    data = as_object(load_json(content), Loc())
    if data.get("utterances") is not None:
        loc = Loc().key("utterances")
        pieces = []
        for i, item in enumerate(as_list(data["utterances"], loc)):
            at = loc.index(i)
            utterance = as_object(item, at)
            begin, finish = timed(utterance, at, scale=_MS)
            pieces.append(Piece(speaker(utterance, at), begin, finish, text(utterance, at, "text")))
    elif data.get("words") is not None:
        loc = Loc().key("words")
        words = []
        for i, item in enumerate(as_list(data["words"], loc)):
            at = loc.index(i)
            word = as_object(item, at)
            begin, finish = timed(word, at, scale=_MS)
            words.append(Word(speaker(word, at), begin, finish, text(word, at, "text")))
        pieces = group_words(words)
    else:
        raise Loc().key("utterances").error("is required (or words[] with speakers)")
    return assemble("assemblyai", pieces, where=loc.label, path=loc.pointer)
