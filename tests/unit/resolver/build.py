"""Small builders for resolver tests."""

from __future__ import annotations

from services.resolver import Segment, Speaker, speaker_stats


def seg(speaker: str, start: float, end: float, text: str = "words here") -> Segment:
    return Segment(speaker, float(start), float(end), text)


def spk(
    id: str,
    seconds: float = 10.0,
    words: int = 20,
    first: float = 0.0,
    label: str | None = None,
    description: str | None = None,
) -> Speaker:
    return Speaker(id, label, description, seconds, words, first)


def conversation(*turns: tuple[str, str], turn_sec: float = 5.0) -> list[Segment]:
    """Back-to-back segments, one per (speaker, text), each `turn_sec` long."""
    return [seg(who, i * turn_sec, (i + 1) * turn_sec, text) for i, (who, text) in enumerate(turns)]


def with_labels(segments: list[Segment], **labels: str) -> list[Speaker]:
    """Speakers computed from segments, with labels by id."""
    return [
        Speaker(s.id, labels.get(s.id), None, s.speaking_sec, s.words, s.first_spoke_at)
        for s in speaker_stats(segments)
    ]
