"""Deepgram JSON: results.utterances[] ({"speaker", "start", "end", "transcript"}) or, without
utterances, results.channels[0].alternatives[0].words[] grouped into turns by speaker
(punctuated_word when present)."""

from __future__ import annotations

from typing import Any

from .assemble import Piece, assemble
from .jsonfields import Loc, as_list, as_object, load_json, speaker, text, timed
from .model import ParsedTranscript
from .words import Word, group_words


def parse(content: object) -> ParsedTranscript:
    data = as_object(load_json(content), Loc())
    loc = Loc().key("results")
    if "results" not in data:
        raise loc.error("is required")
    results = as_object(data["results"], loc)
    if results.get("utterances") is not None:
        loc = loc.key("utterances")
        pieces = []
        for i, item in enumerate(as_list(results["utterances"], loc)):
            at = loc.index(i)
            utterance = as_object(item, at)
            begin, finish = timed(utterance, at)
            said = text(utterance, at, "transcript")
            pieces.append(Piece(speaker(utterance, at), begin, finish, said))
        return assemble("deepgram", pieces, where=loc.label, path=loc.pointer)
    items, loc = _words(results, loc)
    words = []
    for i, item in enumerate(items):
        at = loc.index(i)
        word = as_object(item, at)
        begin, finish = timed(word, at)
        key = "punctuated_word" if word.get("punctuated_word") is not None else "word"
        words.append(Word(speaker(word, at), begin, finish, text(word, at, key)))
    return assemble("deepgram", group_words(words), where=loc.label, path=loc.pointer)


def _words(results: dict[str, Any], loc: Loc) -> tuple[list[Any], Loc]:
    """results.channels[0].alternatives[0].words and its location, naming the first missing step."""
    node: object = results
    for step in ("channels", 0, "alternatives", 0, "words"):
        if isinstance(step, int):
            items = as_list(node, loc)
            if len(items) <= step:
                raise loc.error("is empty; expected results.utterances or words in it")
            node, loc = items[step], loc.index(step)
        else:
            node, loc = as_object(node, loc).get(step), loc.key(step)
            if node is None:
                raise loc.error("is required when results.utterances is absent")
    return as_list(node, loc), loc
