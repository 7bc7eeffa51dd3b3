"""Reading a Profile from a decoded data block."""

from __future__ import annotations

from services.devllm.analysis import profile_of, top_words
from services.devllm.testing import sample_data


def test_profile_uses_given_analytics_when_block_has_them():
    p = profile_of(sample_data())

    assert (p.name, p.question_count, p.words_per_minute) == ("Dana Kim", 3, 83.4)
    assert p.interruptions == 1
    assert p.other_speakers == ("Sam (AE)",)


def test_profile_measures_talk_when_block_has_no_analytics():
    data = sample_data()
    del data["analytics"]

    p = profile_of(data)

    assert p.turns == 3
    assert p.interruptions == 1  # s1 starts at 20.5 while s2 runs to 21.0
    assert p.speaking_sec == 9.0 + 27.5 + 25.0
    assert p.longest_monologue_sec == 27.5
    assert p.question_count == 3
    assert p.share == round(61.5 / 86.5, 3)  # of all segment time


def test_sentences_are_verbatim_pieces_of_target_segments():
    data = sample_data()
    p = profile_of(data)

    mine = [s["text"] for s in data["segments"] if s["isTarget"]]
    assert p.sentences and all(any(s in text for text in mine) for s in p.sentences)
    assert "Who else uses the reporting module?" in p.questions


def test_long_sentences_are_cut_at_a_word_boundary_when_quoted():
    data = sample_data(extra_target_text="word " * 80 + "end.")

    p = profile_of(data)

    longest = max(p.sentences, key=len)
    assert len(longest) <= 180 and longest.endswith("word")


def test_top_words_skip_stopwords_and_break_ties_alphabetically():
    # "timeline", said once, is no theme
    assert top_words(("The budget, the budget and the team. Yeah, team timeline!",)) == (("budget", 2), ("team", 2))


def test_top_words_leave_out_the_speakers_names():
    profile = profile_of(
        {
            "target": {"id": "ana", "label": "Ana Ruiz"},
            "speakers": [{"id": "ana", "label": "Ana Ruiz"}, {"id": "ben", "label": "Ben Okafor"}],
            "segments": [
                {
                    "speaker": "ana",
                    "isTarget": True,
                    "start": 0,
                    "end": 9,
                    "text": "Ben, Ben, the budget. Ruiz here. Budget first, Ben.",
                }
            ],
        }
    )
    assert profile.top_words == (("budget", 2),)


def test_the_lead_word_says_when_it_ties():
    from services.devllm import observations as o

    tied = profile_of(
        {
            "target": {"id": "a"},
            "segments": [
                {"speaker": "a", "isTarget": True, "start": 0, "end": 5, "text": "Seats, seats, price and price."}
            ],
        }
    )
    assert o.lead_word(tied) == '"price" and "seats" came up 2 times each'
    assert not o.clear_lead(tied) and o.subject(tied, "or") == '"price" or "seats"'
    many = profile_of(
        {
            "target": {"id": "a"},
            "segments": [
                {
                    "speaker": "a",
                    "isTarget": True,
                    "start": 0,
                    "end": 5,
                    "text": "Cost cost pilot pilot price price board board.",
                }
            ],
        }
    )
    assert (
        o.lead_word(many) == '4 words came up 2 times each, "board", "cost" and "pilot" among them, and none stood out'
    )
    alone = profile_of(
        {
            "target": {"id": "a"},
            "segments": [
                {
                    "speaker": "a",
                    "isTarget": True,
                    "start": 0,
                    "end": 5,
                    "text": "Seats, seats, seats and price, price.",
                }
            ],
        }
    )
    assert o.lead_word(alone) == '"seats" came up 3 times, more than any other word'


def test_profile_is_empty_when_there_is_no_block():
    p = profile_of(None)

    assert not p.found and p.sentences == () and p.name == "the target"


def test_top_words_leave_out_other_proper_nouns_and_count_plurals_with_their_singular():
    profile = profile_of(
        {
            "target": {"id": "a"},
            "segments": [
                {
                    "speaker": "a",
                    "isTarget": True,
                    "start": 0,
                    "end": 9,
                    "text": "Our CTO, Marco, checks it. Ask Marco about seats. One seat first, then more seats by Friday, "
                    "Friday at the latest.",
                }
            ],
        }
    )
    assert profile.top_words == (("seat", 3),)
