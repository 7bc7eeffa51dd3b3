"""The native format: [{"speaker", "start", "end", "text"}, ...] or {"segments": [...]}.

Stricter than the tool formats: every segment names its speaker.
"""

from __future__ import annotations

from .assemble import Piece, assemble
from .jsonfields import Loc, as_list, as_object, load_json, speaker, text, timed, type_name
from .model import ParsedTranscript


def parse(content: object) -> ParsedTranscript:
    data = load_json(content)
    if isinstance(data, dict) and "segments" in data:
        loc = Loc().key("segments")
        items = as_list(data["segments"], loc)
    elif isinstance(data, list):
        loc, items = Loc("/content", "segments"), data
    else:
        expected = 'must be a list of segments or {"segments": [...]}'
        raise Loc().error(f"{expected}, got {type_name(data)}")
    pieces = []
    for i, item in enumerate(items):
        at = loc.index(i)
        segment = as_object(item, at)
        who = speaker(segment, at)
        if who is None:
            raise at.key("speaker").error("is required, a non-empty string or an integer")
        begin, finish = timed(segment, at)
        pieces.append(Piece(who, begin, finish, text(segment, at, "text")))
    return assemble("segments", pieces, where=loc.label, path=loc.pointer)
