from __future__ import annotations

import pytest

from services.resolver import Resolution, TargetNotFound, TargetSpec, resolve

from .build import seg, spk

DOMINANT = TargetSpec("dominant")


def _pick(speakers) -> Resolution:
    return resolve([], speakers, DOMINANT)


def test_dominant_picks_most_speaking_time_when_times_differ():
    res = _pick([spk("A", 100, 500), spk("B", 300, 200), spk("C", 50, 900)])
    assert res.entity_id == "B"
    assert res.strategy == "dominant" and not res.fell_back


def test_dominant_prefers_more_words_when_times_tie():
    res = _pick([spk("A", 120.0, 300, first=0), spk("B", 120.0, 310, first=5)])
    assert res.entity_id == "B"
    assert "more words" in res.reason


def test_dominant_prefers_who_spoke_first_when_time_and_words_tie():
    res = _pick([spk("A", 120.0, 300, first=9.5), spk("B", 120.0, 300, first=2.0)])
    assert res.entity_id == "B"
    assert "spoke first" in res.reason


def test_dominant_treats_times_equal_to_the_millisecond_as_a_tie():
    res = _pick([spk("A", 0.1 + 0.2, 10), spk("B", 0.3, 11)])
    assert res.entity_id == "B"


def test_dominant_is_independent_of_speaker_order_when_everything_ties():
    a = _pick([spk("X", 10, 5, first=1), spk("Y", 10, 5, first=1)])
    b = _pick([spk("Y", 10, 5, first=1), spk("X", 10, 5, first=1)])
    assert a.entity_id == b.entity_id == "X"


def test_dominant_never_picks_unknown_when_it_has_most_speech():
    res = _pick([spk("unknown", 900, 2000), spk("A", 100, 200), spk("B", 50, 100)])
    assert res.entity_id == "A"
    assert "of 1050.0 s" in res.reason  # undiarized speech still counts in the total


def test_dominant_misses_when_only_unknown_speech():
    with pytest.raises(TargetNotFound) as err:
        _pick([spk("unknown", 900, 2000)])
    assert "no diarized speaker" in err.value.message
    assert err.value.code == "target_not_found"


def test_dominant_misses_when_there_are_no_speakers():
    with pytest.raises(TargetNotFound, match="no speakers"):
        _pick([])


def test_dominant_confidence_is_share_of_top_two_when_others_spoke():
    res = _pick([spk("A", 300, 10), spk("B", 100, 10), spk("C", 100, 10)])
    assert res.confidence == pytest.approx(0.75)
    assert res.reason == "A spoke most: 300.0 s of 500.0 s (60%); next B 100.0 s"


def test_dominant_confidence_is_one_when_alone_and_half_on_a_dead_heat():
    assert _pick([spk("A", 30, 10)]).confidence == 1.0
    assert _pick([spk("A", 30, 10), spk("B", 30, 10)]).confidence == 0.5


def test_dominant_evidence_is_the_picked_speakers_segments():
    segments = [seg("A", 0, 5, "Hello"), seg("B", 5, 50, "Long answer"), seg("A", 50, 52, "ok")]
    res = resolve(segments, [spk("A", 7, 2), spk("B", 45, 2)], DOMINANT)
    assert res.entity_id == "B"
    assert [s.text for s in res.evidence] == ["Hello", "Long answer"]
