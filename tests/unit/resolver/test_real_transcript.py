"""The resolver on a real meeting: AMI ES2011a (4 speakers, upper case, no punctuation,
overlapping segments, stored grouped by speaker rather than by time)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from services.resolver import Segment, TargetSpec, resolve, speaker_stats

AMI = Path(__file__).resolve().parents[2] / "fixtures" / "transcripts" / "ami-es2011a.segments.json"


@pytest.fixture(scope="module")
def ami() -> list[Segment]:
    rows = json.loads(AMI.read_text(encoding="utf-8"))
    return sorted((Segment(**row) for row in rows), key=lambda s: (s.start, s.end))


def test_real_transcript_dominant_is_the_project_manager(ami):
    res = resolve(ami, speaker_stats(ami), TargetSpec("dominant"), evidence_budget_chars=2000)
    assert res.entity_id == "FEE041"
    assert res.reason.startswith("FEE041 spoke most: 449.2 s of 938.3 s (48%)")
    assert res.confidence == pytest.approx(449.25 / (449.25 + 249.24), abs=1e-3)


def test_real_transcript_evidence_is_budgeted_and_spread_when_trimmed(ami):
    res = resolve(ami, speaker_stats(ami), TargetSpec("dominant"), evidence_budget_chars=2000)
    texts = [s.text for s in res.evidence]
    assert sum(map(len, texts)) <= 2000
    assert len(texts) == len(set(res.evidence))
    starts = [s.start for s in res.evidence]
    assert starts == sorted(starts)
    media_end = max(s.end for s in ami)
    assert min(starts) < media_end / 3 and max(starts) > 2 * media_end / 3
    assert all(s.speaker == "FEE041" for s in res.evidence)  # own words fill a tight budget


@pytest.mark.parametrize(
    ("hint", "who"),
    [
        ("the project manager", "FEE041"),
        ("Krista", "FEE042"),
        ("the industrial designer", "FEE042"),
        ("Stephanie, the UI designer", "FEE043"),
        ("the marketing expert", "FEE044"),
    ],
)
def test_real_transcript_magic_hint_finds_self_introductions(ami, hint, who):
    res = resolve(ami, speaker_stats(ami), TargetSpec("magic_hint", hint=hint))
    assert res.entity_id == who
