"""Per-speaker conversation analytics over time-ordered segments.

A turn is a run of consecutive segments (in (start, end) order) by one speaker; it lasts from its
first start to its latest end. An interruption is a turn that starts before the previous turn (by
another speaker, by definition) ended. Seconds are rounded to 3 decimals, share to 4.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from .model import Segment, speaker_ids

# A run of question marks (?? counts once) that ends a sentence: followed, perhaps after closing
# quotes or brackets, by whitespace or the end of the text.
_QUESTION = re.compile(r"[?？][?？!]*(?=[\"'”’»)\]]*(?:\s|$))")


@dataclass(frozen=True)
class SpeakerAnalytics:
    speaking_sec: float
    share: float
    words: int
    turns: int
    words_per_minute: float
    questions: int
    longest_monologue_sec: float
    interruptions: int
    mean_turn_sec: float
    first_spoke_at: float


@dataclass(frozen=True)
class _Turn:
    speaker: str
    start: float
    end: float


def compute_analytics(segments: Iterable[Segment]) -> dict[str, SpeakerAnalytics]:
    """Analytics per speaker id (UNKNOWN_SPEAKER too, if present), in order of first speech.

    Linear in the segments after the sort: each segment and each turn is visited once, grouped by
    speaker as it goes (a pass per speaker was quadratic: 100,000 one-segment speakers took minutes).
    """
    ordered = sorted(segments, key=lambda s: (s.start, s.end))
    turns = _turns(ordered)
    total = sum(s.end - s.start for s in ordered)
    own: dict[str, list[Segment]] = {}
    for segment in ordered:
        own.setdefault(segment.speaker, []).append(segment)
    durations: dict[str, list[float]] = {speaker: [] for speaker in own}
    interruptions: dict[str, int] = dict.fromkeys(own, 0)
    for i, turn in enumerate(turns):
        durations[turn.speaker].append(turn.end - turn.start)
        if i > 0 and turn.start < turns[i - 1].end:
            interruptions[turn.speaker] += 1
    result: dict[str, SpeakerAnalytics] = {}
    for speaker in speaker_ids(ordered, include_unknown=True):
        segments_of, turn_lengths = own[speaker], durations[speaker]
        speaking = sum(s.end - s.start for s in segments_of)
        words = sum(len(s.text.split()) for s in segments_of)
        result[speaker] = SpeakerAnalytics(
            speaking_sec=round(speaking, 3),
            share=round(speaking / total, 4) if total > 0 else 0.0,
            words=words,
            turns=len(turn_lengths),
            words_per_minute=round(words / (speaking / 60), 3) if speaking > 0 else 0.0,
            questions=sum(len(_QUESTION.findall(s.text)) for s in segments_of),
            longest_monologue_sec=round(max(turn_lengths), 3),
            interruptions=interruptions[speaker],
            mean_turn_sec=round(sum(turn_lengths) / len(turn_lengths), 3),
            first_spoke_at=round(segments_of[0].start, 3),
        )
    return result


def _turns(ordered: list[Segment]) -> list[_Turn]:
    turns: list[_Turn] = []
    for segment in ordered:
        last = turns[-1] if turns else None
        if last is not None and last.speaker == segment.speaker:
            turns[-1] = _Turn(last.speaker, last.start, max(last.end, segment.end))
        else:
            turns.append(_Turn(segment.speaker, segment.start, segment.end))
    return turns
