from __future__ import annotations

import pytest

from services.resolver import Resolution, TargetNotFound, TargetSpec, resolve, speaker_stats

from .build import conversation, spk, with_labels


def _hint(segments, hint, speakers=None, **kw) -> Resolution:
    speakers = speaker_stats(segments) if speakers is None else speakers
    return resolve(segments, speakers, TargetSpec("magic_hint", hint=hint), **kw)


INTRODUCTIONS = conversation(
    ("S0", "Good morning everyone, thanks for joining. I'm Bob from Acme."),
    ("S1", "Hi, I'm Priya, the CFO at Northwind."),
    ("S2", "And my name is Dan, I look after procurement."),
    ("S0", "Great. Let's start with the budget."),
)


@pytest.mark.parametrize(
    ("hint", "who"),
    [
        ("Priya", "S1"),
        ("the CFO", "S1"),
        ("CFO", "S1"),
        ("Priya the CFO from Northwind", "S1"),
        ("the chief financial officer", "S1"),
        ("pria", "S1"),  # a typo still matches
        ("Bob", "S0"),
        ("the guy from Acme", "S0"),
        ("Dan", "S2"),
    ],
)
def test_magic_hint_matches_self_introduction_when_hint_is_name_or_role(hint, who):
    assert _hint(INTRODUCTIONS, hint).entity_id == who


def test_magic_hint_reason_quotes_the_self_introduction_when_matched():
    res = _hint(INTRODUCTIONS, "the CFO")
    assert res.strategy == "magic_hint" and not res.fell_back
    assert res.confidence == pytest.approx(0.9)
    assert res.reason == (
        "matched hint 'the CFO' to S1's self-introduction \"Hi, I'm Priya, the CFO at Northwind.\" (0.90)"
    )


def test_magic_hint_matches_next_speaker_when_addressed_by_name():
    segments = conversation(
        ("S0", "Let's look at the rollout plan."),
        ("S1", "Sure, I have the numbers here."),
        ("S0", "Good. Maria, what do you think about the timeline?"),
        ("S2", "It is tight but doable."),
        ("S0", "And the budget?"),
        ("S1", "Fine."),
    )
    res = _hint(segments, "Maria")
    assert res.entity_id == "S2"
    assert res.confidence == pytest.approx(0.75)
    assert "being addressed as 'Maria' by S0 just before it spoke" in res.reason
    assert '"Good. Maria, what do you think about the timeline?"' not in res.reason
    assert '"Maria, what do you think about the timeline?"' in res.reason


def test_magic_hint_matches_previous_speaker_when_thanked_at_start_of_turn():
    segments = conversation(
        ("S1", "Our churn is down four points this quarter."),
        ("S0", "Thanks, Omar. That's helpful. Now the pipeline."),
        ("S2", "Pipeline is healthy."),
    )
    assert _hint(segments, "Omar").entity_id == "S1"


def test_magic_hint_trusts_addressing_more_when_repeated():
    once = conversation(("S0", "Over to you, Lee."), ("S1", "Okay."))
    twice = conversation(("S0", "Over to you, Lee."), ("S1", "Okay."), ("S0", "Lee, anything else?"), ("S1", "No."))
    assert _hint(twice, "Lee").confidence > _hint(once, "Lee").confidence


@pytest.mark.parametrize(
    "mention",
    [
        "I've asked Priya, our CFO, to join us today.",
        "Our CFO, Priya, joins us today.",
        "Priya is our CFO, by the way.",
    ],
)
def test_magic_hint_matches_role_mentioned_next_to_name_when_name_is_a_speakers(mention):
    segments = conversation(
        ("S0", mention),
        ("S1", "Happy to be here."),
        ("S0", "Let's begin."),
        ("S2", "Sounds good."),
    )
    speakers = with_labels(segments, S1="Priya", S2="Dan")
    res = _hint(segments, "the CFO", speakers)
    assert res.entity_id == "S1"
    assert res.confidence == pytest.approx(0.9)  # 0.9 for the mention x 1.0 for the label
    assert f"S1 via S0's mention \"{mention}\" (S1 is 'Priya' by its label)" in res.reason


def test_magic_hint_matches_label_when_transcript_says_nothing():
    segments = conversation(("S0", "Hello."), ("S1", "Hi."), ("S0", "Shall we?"))
    speakers = with_labels(segments, S0="Ana Souza", S1="Kenji Watanabe")
    res = _hint(segments, "Kenji", speakers)
    assert res.entity_id == "S1"
    assert res.reason == "matched hint 'Kenji' to S1's label 'Kenji Watanabe' (0.90)"


def test_magic_hint_matches_description_when_hint_is_a_role():
    segments = conversation(("S0", "Hello."), ("S1", "Hi."))
    speakers = [
        spk("S0", 5, 1, description="Account executive, Acme"),
        spk("S1", 5, 1, description="Chief Financial Officer, Northwind"),
    ]
    res = _hint(segments, "the CFO", speakers)
    assert res.entity_id == "S1"
    assert "S1's description 'Chief Financial Officer, Northwind'" in res.reason


def test_magic_hint_matches_speaker_id_when_hint_is_an_id():
    segments = conversation(("SPEAKER_00", "Hello."), ("SPEAKER_01", "Hi."))
    assert _hint(segments, "speaker 1").entity_id == "SPEAKER_01"


def test_magic_hint_misses_when_best_score_is_under_threshold():
    segments = conversation(("S0", "Hello."), ("S1", "Hi."))
    speakers = with_labels(segments, S0="John Doe", S1="Mary Major")
    with pytest.raises(TargetNotFound) as err:
        _hint(segments, "John Smith", speakers)
    assert err.value.message == ("no speaker matched hint 'John Smith' (best: S0 'John Doe' at 0.50 < 0.60)")


def test_magic_hint_misses_when_acronyms_differ():
    with pytest.raises(TargetNotFound, match=r"no speaker matched hint 'the CTO'"):
        _hint(INTRODUCTIONS, "the CTO")


def test_magic_hint_honours_threshold_when_raised():
    assert _hint(INTRODUCTIONS, "Priya").confidence == pytest.approx(0.9)
    with pytest.raises(TargetNotFound, match=r"0.90 < 0.95"):
        _hint(INTRODUCTIONS, "Priya", hint_threshold=0.95)


def test_magic_hint_never_picks_unknown_when_it_introduces_itself():
    segments = conversation(("unknown", "Hi, I'm Priya, the CFO."), ("S1", "Welcome."))
    with pytest.raises(TargetNotFound):
        _hint(segments, "Priya")


def test_magic_hint_names_close_runner_up_when_ambiguous():
    segments = conversation(("S0", "I'm the industrial designer."), ("S1", "And I'm the interface designer."))
    res = _hint(segments, "the designer")
    assert res.entity_id in {"S0", "S1"}
    assert "close runner-up" in res.reason


def test_magic_hint_prefers_dominant_speaker_when_scores_tie():
    segments = conversation(("S0", "I'm a consultant."), ("S1", "I'm a consultant too."), ("S1", "Long talk."))
    assert _hint(segments, "the consultant").entity_id == "S1"
