from __future__ import annotations

import pytest

from services.resolver import InvalidTarget, TargetNotFound, TargetSpec, resolve

from .build import seg, spk

SEGMENTS = [seg("A", 0, 60, "lots of talk"), seg("B", 60, 80, "a little")]
SPEAKERS = [spk("A", 60, 3), spk("B", 20, 3)]


def test_miss_raises_when_on_miss_is_error():
    with pytest.raises(TargetNotFound) as err:
        resolve(SEGMENTS, SPEAKERS, TargetSpec("entity_id", entity_id="Z"))
    assert err.value.strategy == "entity_id"


def test_miss_falls_back_to_dominant_when_on_miss_is_fallback_dominant():
    res = resolve(SEGMENTS, SPEAKERS, TargetSpec("magic_hint", on_miss="fallback_dominant", hint="the CFO"))
    assert (res.entity_id, res.strategy, res.fell_back) == ("A", "dominant", True)
    assert res.reason.startswith("no speaker matched hint 'the CFO'")
    assert "fell back to dominant: A spoke most: 60.0 s of 80.0 s (75%)" in res.reason
    assert res.confidence == pytest.approx(0.75)
    assert [s.text for s in res.evidence] == ["lots of talk"]


def test_fallback_raises_when_dominant_misses_too():
    with pytest.raises(TargetNotFound) as err:
        resolve([], [spk("unknown", 10)], TargetSpec("timerange", on_miss="fallback_dominant"))
    assert "fallback to dominant failed too" in err.value.message


def test_hit_does_not_fall_back_when_on_miss_is_fallback_dominant():
    res = resolve(SEGMENTS, SPEAKERS, TargetSpec("entity_id", "fallback_dominant", entity_id="B"))
    assert (res.entity_id, res.strategy, res.fell_back) == ("B", "entity_id", False)


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        (TargetSpec("loudest"), "strategy"),
        (TargetSpec("dominant", on_miss="shrug"), "on_miss"),
        (TargetSpec("magic_hint", hint="   "), "hint"),
        (TargetSpec("timerange", start_seconds=-1), "start_seconds"),
    ],
)
def test_spec_is_invalid_when_malformed(spec, field):
    with pytest.raises(InvalidTarget) as err:
        resolve(SEGMENTS, SPEAKERS, spec)
    assert err.value.field == field
    assert err.value.code == "invalid_argument"
