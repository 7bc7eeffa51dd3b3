"""Who talks how much: per-speaker totals and the dominance ranking every strategy shares.

Ranking rule (used by `dominant`, `timerange` and as the last tie-break of `magic_hint`): more
speaking time wins; equal time (to the millisecond) goes to more words, then to whoever spoke
first, then to the smaller id so the answer never depends on input order. Undiarized speech
(`is_unknown`) counts towards totals but is never ranked.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from services.domain.segments import Segment, is_unknown

from .model import Speaker


@dataclass(frozen=True)
class Talk:
    """One speaker's talk, over the whole recording or within a time range."""

    speaker: str
    seconds: float
    words: float
    first_spoke_at: float


def word_count(text: str) -> int:
    return len(text.split())


def speaker_stats(segments: Iterable[Segment]) -> tuple[Speaker, ...]:
    """Speaker records computed from segments (no label or description), in first-spoke order."""
    talks = talk_in_range(segments, 0.0, None)
    return tuple(
        Speaker(t.speaker, None, None, round(t.seconds, 3), int(t.words), t.first_spoke_at)
        for t in sorted(talks.values(), key=lambda t: (t.first_spoke_at, t.speaker))
    )


def talk_of_speakers(speakers: Iterable[Speaker]) -> dict[str, Talk]:
    return {s.id: Talk(s.id, s.speaking_sec, s.words, s.first_spoke_at) for s in speakers}


def talk_in_range(segments: Iterable[Segment], start: float, end: float | None) -> dict[str, Talk]:
    """Per-speaker talk within [start, end] (end None = no limit), counting only each segment's
    overlap with the range; words are counted in proportion to the overlap."""
    seconds: dict[str, float] = {}
    words: dict[str, float] = {}
    first: dict[str, float] = {}
    upper = float("inf") if end is None else end
    for seg in segments:
        lo, hi = max(seg.start, start), min(seg.end, upper)
        duration = seg.end - seg.start
        if duration > 0:
            if hi <= lo:
                continue
            share = (hi - lo) / duration
        elif start <= seg.start <= upper:
            share = 1.0  # a zero-length segment inside the range: its words count, no time
        else:
            continue
        seconds[seg.speaker] = seconds.get(seg.speaker, 0.0) + max(0.0, hi - lo)
        words[seg.speaker] = words.get(seg.speaker, 0.0) + word_count(seg.text) * share
        first[seg.speaker] = min(first.get(seg.speaker, lo), lo)
    return {sid: Talk(sid, seconds[sid], words[sid], first[sid]) for sid in seconds}


def rank(talks: Iterable[Talk]) -> list[Talk]:
    """Rankable talks (not unknown, some speech), most dominant first."""
    eligible = [t for t in talks if not is_unknown(t.speaker) and (t.seconds > 0 or t.words > 0)]
    return sorted(eligible, key=dominance_key)


def dominance_key(t: Talk) -> tuple[float, float, float, str]:
    return (-round(t.seconds, 3), -round(t.words, 3), t.first_spoke_at, t.speaker)


def two_way_share(ranked: Sequence[Talk]) -> float:
    """The top speaker's share of the time spoken by the top two: 1.0 when nobody else spoke,
    0.5 on a tie. Falls back to words when nobody has timed speech."""
    if not ranked:
        return 0.0
    if len(ranked) == 1:
        return 1.0
    top, second = ranked[0], ranked[1]
    if top.seconds + second.seconds > 0:
        return top.seconds / (top.seconds + second.seconds)
    if top.words + second.words > 0:
        return top.words / (top.words + second.words)
    return 0.5
