from __future__ import annotations

import pytest

from services.resolver import InvalidTarget, TargetNotFound, TargetSpec, resolve

from .build import seg, spk

SPEAKERS = [spk("SPEAKER_00", 50, label="Bob"), spk("SPEAKER_01", 20), spk("unknown", 90)]
SEGMENTS = [seg("SPEAKER_00", 0, 50, "hello"), seg("SPEAKER_01", 50, 70, "hi there")]


def test_entity_id_picks_that_speaker_when_it_exists():
    res = resolve(SEGMENTS, SPEAKERS, TargetSpec("entity_id", entity_id="SPEAKER_01"))
    assert (res.entity_id, res.strategy, res.confidence) == ("SPEAKER_01", "entity_id", 1.0)
    assert res.reason == "SPEAKER_01 was named by entity_id"
    assert [s.text for s in res.evidence] == ["hello", "hi there"]


def test_entity_id_misses_when_id_is_not_a_speaker():
    with pytest.raises(TargetNotFound) as err:
        resolve(SEGMENTS, SPEAKERS, TargetSpec("entity_id", entity_id="SPEAKER_07"))
    assert "no speaker has entity_id 'SPEAKER_07'" in err.value.message
    assert "SPEAKER_00, SPEAKER_01" in err.value.message


def test_entity_id_misses_but_suggests_when_only_case_differs():
    with pytest.raises(TargetNotFound, match="did you mean 'SPEAKER_01'"):
        resolve(SEGMENTS, SPEAKERS, TargetSpec("entity_id", entity_id="speaker_01"))


def test_entity_id_misses_when_id_is_unknown():
    with pytest.raises(TargetNotFound, match="undiarized"):
        resolve(SEGMENTS, SPEAKERS, TargetSpec("entity_id", entity_id="unknown"))


def test_entity_id_is_invalid_when_missing():
    with pytest.raises(InvalidTarget) as err:
        resolve(SEGMENTS, SPEAKERS, TargetSpec("entity_id", on_miss="fallback_dominant"))
    assert err.value.field == "entity_id"
