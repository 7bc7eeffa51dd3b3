"""A transcript's size is capped (README: Limits), and analytics stay linear in its segments."""

from __future__ import annotations

import json

import pytest

from services.store.transcripts import Segment, TranscriptError, compute_analytics, limits, parse_transcript
from services.store.transcripts.errors import INVALID_TRANSCRIPT, TOO_LARGE


def _segments(n: int, speakers: int, text: str = "a few words here?") -> list[dict[str, object]]:
    return [{"speaker": f"s{i % speakers}", "start": float(i), "end": i + 1.0, "text": text} for i in range(n)]


def _check(content: object) -> None:
    limits.check(parse_transcript("segments", content))


def test_a_transcript_at_every_cap_passes():
    _check(_segments(limits.MAX_SEGMENTS, limits.MAX_SPEAKERS))


@pytest.mark.parametrize(
    ("content", "phrase"),
    [
        (_segments(limits.MAX_SEGMENTS + 1, 2), "segments"),
        (_segments(limits.MAX_SPEAKERS + 1, limits.MAX_SPEAKERS + 1), "speakers"),
        (_segments(3, 1, "x" * (limits.MAX_TEXT_CHARS // 2)), "characters"),
    ],
)
def test_a_transcript_over_a_cap_is_transcript_too_large(content, phrase):
    with pytest.raises(TranscriptError) as caught:
        _check(content)
    assert caught.value.code == TOO_LARGE
    assert phrase in caught.value.message


@pytest.mark.parametrize(("start", "end"), [(0, 1e308), (1e300, 1e308), (0, limits.MAX_SECONDS + 1)])
def test_a_time_past_the_longest_recording_is_invalid(start, end):
    with pytest.raises(TranscriptError) as caught:
        _check([{"speaker": "a", "start": start, "end": end, "text": "hi"}])
    assert caught.value.code == INVALID_TRANSCRIPT


def test_a_speaker_id_longer_than_an_entity_id_is_invalid():
    with pytest.raises(TranscriptError) as caught:
        _check([{"speaker": "s" * (limits.MAX_SPEAKER_CHARS + 1), "start": 0, "end": 1, "text": "hi"}])
    assert caught.value.code == INVALID_TRANSCRIPT


@pytest.mark.parametrize(
    "raw",
    [
        '[{"speaker": "a", "start": 0, "end": 1e999, "text": "x"}]',
        '[{"speaker": ' + "9" * 5000 + ', "start": 0, "end": 1, "text": "x"}]',
        "[" * 5000 + "]" * 5000,
    ],
)
def test_hostile_json_text_as_content_is_invalid_transcript_not_a_crash(raw):
    with pytest.raises(TranscriptError) as caught:
        parse_transcript(None, raw)
    assert caught.value.code == INVALID_TRANSCRIPT


def test_analytics_of_100000_one_segment_speakers_finish_with_one_entry_each():
    # The per-speaker pass over every segment made this take minutes; now it is one pass.
    segments = [Segment(f"s{i}", float(i), i + 0.5, "hello there") for i in range(100_000)]
    result = compute_analytics(segments)
    assert len(result) == 100_000
    assert result["s99999"].turns == 1 and result["s99999"].speaking_sec == 0.5


def test_analytics_are_unchanged_on_a_large_real_shaped_transcript():
    segments = [Segment(f"s{i % 7}", i * 0.9, i * 0.9 + 1.0, "word " * (i % 13) + "?") for i in range(20_000)]
    result = compute_analytics(segments)
    # Overlapping segments (0.9 s apart, 1 s long) by rotating speakers: every turn but the first interrupts.
    assert sum(a.turns for a in result.values()) == 20_000
    assert sum(a.interruptions for a in result.values()) == 19_999
    assert json.dumps({k: v.__dict__ for k, v in result.items()})  # finite, JSON-serialisable
