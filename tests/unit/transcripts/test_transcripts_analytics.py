"""Per-speaker analytics against values worked out by hand."""

from __future__ import annotations

from pathlib import Path

from services.store.transcripts import Segment, SpeakerAnalytics, compute_analytics, parse_transcript

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "transcripts"

# Given out of order on purpose. Sorted by (start, end):
#   s1 A        0.0– 4.0  "Hello there. How are you?"          5 words, 1 question
#   s2 B        3.0– 5.0  "Fine thanks"                        2 words
#   s3 B        5.0– 6.0  "And you??"                          2 words, 1 question ("??" once)
#   s4 A        7.0– 9.0  "Good. Really good"                  3 words
#   s5 A        9.0–12.0  'Is it "true?" Surely?! What?that'   5 words, 2 questions
#                         ("true?" before a closing quote, and "?!"; "What?that" ends no sentence)
#   s6 unknown  9.5–10.0  "Mm"                                 1 word
# Turns: T1 A 0–4, T2 B 3–6, T3 A 7–12 (s4+s5), T4 unknown 9.5–10.
# Total speaking = 4 + 2 + 1 + 2 + 3 + 0.5 = 12.5 s.
SEGMENTS = [
    Segment("A", 9.0, 12.0, 'Is it "true?" Surely?! What?that'),
    Segment("B", 5.0, 6.0, "And you??"),
    Segment("A", 0.0, 4.0, "Hello there. How are you?"),
    Segment("unknown", 9.5, 10.0, "Mm"),
    Segment("B", 3.0, 5.0, "Fine thanks"),
    Segment("A", 7.0, 9.0, "Good. Really good"),
]


def test_analytics_match_hand_arithmetic_when_turns_overlap() -> None:
    assert compute_analytics(SEGMENTS) == {
        # A: 4+2+3 = 9 s; 9/12.5 = 0.72; 5+3+5 = 13 words; turns T1, T3; 13/(9/60) = 86.667 wpm;
        # 1+2 = 3 questions; longest max(4, 12-7=5) = 5; T1 is first, T3 starts 7 ≥ T2 end 6 → 0
        # interruptions; mean (4+5)/2 = 4.5; first at 0.
        "A": SpeakerAnalytics(9.0, 0.72, 13, 2, 86.667, 3, 5.0, 0, 4.5, 0.0),
        # B: 2+1 = 3 s; 3/12.5 = 0.24; 4 words; one turn 3–6 = 3 s; 4/(3/60) = 80 wpm; 1 question;
        # T2 starts 3 < T1 end 4 → 1 interruption; first at 3.
        "B": SpeakerAnalytics(3.0, 0.24, 4, 1, 80.0, 1, 3.0, 1, 3.0, 3.0),
        # unknown: 0.5 s; 0.5/12.5 = 0.04; 1 word; 1/(0.5/60) = 120 wpm; T4 starts 9.5 < T3 end 12
        # → 1 interruption; first at 9.5.
        "unknown": SpeakerAnalytics(0.5, 0.04, 1, 1, 120.0, 0, 0.5, 1, 0.5, 9.5),
    }


def test_analytics_keyed_in_order_of_first_speech_when_input_unsorted() -> None:
    assert list(compute_analytics(SEGMENTS)) == ["A", "B", "unknown"]


def test_rates_are_zero_when_segments_have_no_duration() -> None:
    result = compute_analytics([Segment("A", 1.0, 1.0, "hi there"), Segment("B", 2.0, 2.0, "yo?")])
    assert result["A"] == SpeakerAnalytics(0.0, 0.0, 2, 1, 0.0, 0, 0.0, 0, 0.0, 1.0)
    assert result["B"] == SpeakerAnalytics(0.0, 0.0, 1, 1, 0.0, 1, 0.0, 0, 0.0, 2.0)


def test_analytics_match_hand_count_when_real_interview() -> None:
    text = (FIXTURES / "dosparlants.vtt").read_text(encoding="utf-8")
    result = compute_analytics(parse_transcript("webvtt", text).segments)
    # SPEAKER_01 cues: 0–2, 4–6, 13–17, 20–22, 25–27, 32–34 → 2+2+4+2+2+2 = 14 s of 34 → 0.4118;
    # words 6+3+8+5+4+3 = 29 → 29/(14/60) = 124.286 wpm; 6 separate turns, longest 4 (13–17),
    # mean 14/6 = 2.333;
    # 5 cues end in "?" (dius?, Carme?, anar-hi?, avui?, aviat?).
    assert result["SPEAKER_01"] == SpeakerAnalytics(14.0, 0.4118, 29, 6, 124.286, 5, 4.0, 0, 2.333, 0.0)
    # SPEAKER_00: 2–4, 6–13 (3 cues), 17–20, 22–25, 27–32 (2 cues) → 2+7+3+3+5 = 20 s → 0.5882;
    # 5 turns, longest 7 (6–13), mean 20/5 = 4; words 6+6+9+9+10+8+3+9 = 60 → 60/(20/60) = 180
    # wpm; no questions.
    assert result["SPEAKER_00"] == SpeakerAnalytics(20.0, 0.5882, 60, 5, 180.0, 0, 7.0, 0, 4.0, 2.0)
