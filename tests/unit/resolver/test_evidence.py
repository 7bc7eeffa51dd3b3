from __future__ import annotations

import pytest

from services.resolver import Segment
from services.resolver.evidence import select_evidence, truncate

from .build import seg


def _chars(segments) -> int:
    return sum(len(s.text) for s in segments)


def _interview(turns: int = 300, answer: str = "answer " * 20) -> list[Segment]:
    """Q (other) then A (target) alternating over turns x 10 s."""
    out = []
    for i in range(turns):
        t = i * 10.0
        out.append(seg("Q", t, t + 3, f"question {i}?"))
        out.append(seg("T", t + 3, t + 10, f"{i}: {answer}".strip()))
    return out


def test_evidence_includes_prompting_turns_when_budget_allows():
    segments = [
        seg("Q", 0, 2, "Why now?"),
        seg("T", 2, 5, "Budget reset."),
        seg("T", 5, 8, "And a new CFO."),
        seg("X", 8, 9, "Unrelated aside."),
        seg("Q", 9, 10, "What else?"),
        seg("T", 10, 12, "Timing."),
    ]
    picked = select_evidence(segments, "T", 10_000)
    assert [s.text for s in picked] == ["Why now?", "Budget reset.", "And a new CFO.", "What else?", "Timing."]


def test_evidence_has_no_duplicates_when_input_repeats_segments():
    segments = [seg("Q", 0, 1, "Hi?"), seg("T", 1, 2, "Hello."), seg("T", 1, 2, "Hello.")]
    assert [s.text for s in select_evidence(segments, "T", 100)] == ["Hi?", "Hello."]


def test_evidence_is_empty_when_target_never_spoke():
    assert select_evidence([seg("Q", 0, 1, "Hi?")], "T", 100) == ()


def test_evidence_respects_budget_when_transcript_is_long():
    picked = select_evidence(_interview(), "T", 3000)
    assert 0 < _chars(picked) <= 3000
    assert _chars(picked) > 2500  # and uses most of it


def test_evidence_is_spread_across_recording_when_trimmed():
    segments = _interview()
    end = segments[-1].end
    picked = select_evidence(segments, "T", 3000)
    own = [s for s in picked if s.speaker == "T"]
    thirds = {min(2, int(3 * s.start / end)) for s in own}
    assert thirds == {0, 1, 2}
    assert any(s.start > 0.9 * end for s in own)
    assert [s.start for s in picked] == sorted(s.start for s in picked)


def test_evidence_prefers_target_over_prompts_when_budget_is_tight():
    picked = select_evidence(_interview(turns=50), "T", 1000)
    own = _chars(s for s in picked if s.speaker == "T")
    prompts = _chars(s for s in picked if s.speaker == "Q")
    assert own > 1000 - 40  # the target's words filled all but a rest too small to use
    assert own + prompts <= 1000


def test_evidence_adds_prompts_of_chosen_turns_when_budget_is_left():
    segments = _interview(turns=40, answer="short")
    budget = sum(len(s.text) for s in segments if s.speaker == "T") + 60
    picked = select_evidence(segments, "T", budget)
    own = [s for s in picked if s.speaker == "T"]
    prompts = [s for s in picked if s.speaker == "Q"]
    assert len(own) == 40 and prompts
    assert _chars(picked) <= budget
    chosen_starts = {s.start for s in own}
    assert all(p.end in chosen_starts for p in prompts)  # each prompt precedes a chosen turn


def test_evidence_truncates_long_segment_when_it_exceeds_budget():
    text = "word " * 2000
    picked = select_evidence([seg("T", 0, 600, text)], "T", 500)
    assert len(picked) == 1
    assert picked[0].text.endswith("…")
    assert len(picked[0].text) <= 500


def test_evidence_is_deterministic_when_called_twice():
    segments = _interview()
    assert select_evidence(segments, "T", 2000) == select_evidence(list(segments), "T", 2000)


def test_evidence_budget_rejects_negative_values():
    with pytest.raises(ValueError):
        select_evidence([], "T", -1)


def test_truncate_cuts_at_word_boundary_when_possible():
    assert truncate("alpha beta gamma delta", 14) == "alpha beta…"
    assert truncate("short", 14) == "short"
