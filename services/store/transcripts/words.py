"""Word-level diarization into turns: consecutive words of one speaker form one piece."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .assemble import Piece


@dataclass(frozen=True)
class Word:
    speaker: str | None  # None continues the previous word's speaker
    start: float | None  # None for words the tool could not align (WhisperX numerals)
    end: float | None
    text: str


def group_words(
    words: Sequence[Word], *, start: float = 0.0, end: float | None = None, speaker: str | None = None
) -> list[Piece]:
    """Pieces for runs of one speaker; `start`/`end`/`speaker` are the enclosing segment's, if any.

    A run without aligned words takes its time from its neighbours (or the enclosing bounds).
    """
    runs: list[tuple[str | None, list[Word]]] = []
    current = speaker
    for word in words:
        current = word.speaker if word.speaker is not None else current
        if runs and runs[-1][0] == current:
            runs[-1][1].append(word)
        else:
            runs.append((current, [word]))
    spans: list[tuple[float | None, float | None]] = []
    for _, run in runs:
        starts = [w.start for w in run if w.start is not None]
        ends = [w.end for w in run if w.end is not None]
        spans.append((min(starts) if starts else None, max(ends) if ends else None))
    pieces: list[Piece] = []
    previous_end = start
    for i, ((who, run), (begin, finish)) in enumerate(zip(runs, spans, strict=True)):
        if begin is None:
            begin = previous_end
        if finish is None:
            following = next((s for s, _ in spans[i + 1 :] if s is not None), end)
            finish = following if following is not None else begin
        finish = max(begin, finish)
        pieces.append(Piece(who, begin, finish, " ".join(w.text.strip() for w in run)))
        previous_end = finish
    return pieces
