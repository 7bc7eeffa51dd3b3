from __future__ import annotations

import pytest

from services.resolver import InvalidTarget, TargetNotFound, TargetSpec, resolve, speaker_stats

from .build import seg

SEGMENTS = [
    seg("A", 0, 100, "a long opening"),  # A dominates overall
    seg("B", 100, 130, "b in the middle"),
    seg("A", 130, 140, "a again"),
    seg("C", 140, 200, "c closing"),
    seg("unknown", 200, 260, "crosstalk"),
]
SPEAKERS = speaker_stats(SEGMENTS)


def _range(start, end, **kw):
    spec = TargetSpec("timerange", start_seconds=start, end_seconds=end, **kw)
    return resolve(SEGMENTS, SPEAKERS, spec)


def test_timerange_picks_dominant_within_range_when_overall_dominant_differs():
    res = _range(100, 140)
    assert res.entity_id == "B"
    assert res.strategy == "timerange"
    assert res.reason.startswith("B spoke most in 100.0–140.0 s: 30.0 s of 40.0 s (75%)")
    assert res.confidence == pytest.approx(0.75)


def test_timerange_counts_only_overlap_when_segments_straddle_the_bounds():
    # A: 90..100 (10 s) + 130..135 (5 s) = 15 s; B: 100..130 = 30 s
    assert _range(90, 135).entity_id == "B"
    # A: 60..100 = 40 s beats B's 30 s
    assert _range(60, 130).entity_id == "A"


def test_timerange_starts_at_zero_when_start_is_null():
    res = _range(None, 120)
    assert res.entity_id == "A"
    assert "0.0–120.0 s" in res.reason


def test_timerange_runs_to_end_of_media_when_end_is_null():
    res = _range(139, None)
    assert res.entity_id == "C"
    assert "139.0–260.0 s" in res.reason


def test_timerange_misses_when_range_has_no_speech():
    with pytest.raises(TargetNotFound, match="no speech"):
        _range(300, 400)


def test_timerange_misses_when_range_has_only_unknown_speech():
    with pytest.raises(TargetNotFound, match="only undiarized speech"):
        _range(205, 250)


def test_timerange_breaks_ties_by_words_when_times_tie():
    segments = [seg("A", 0, 10, "one two"), seg("B", 10, 20, "one two three")]
    res = resolve(segments, speaker_stats(segments), TargetSpec("timerange", start_seconds=0))
    assert res.entity_id == "B"


def test_timerange_is_invalid_when_it_ends_before_it_starts():
    with pytest.raises(InvalidTarget) as err:
        _range(50, 10, on_miss="fallback_dominant")
    assert err.value.field == "end_seconds"
