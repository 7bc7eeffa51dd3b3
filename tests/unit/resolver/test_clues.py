from __future__ import annotations

from services.resolver import speaker_stats
from services.resolver.clues import Alias, extract_aliases

from .build import conversation


def _aliases(*turns: tuple[str, str]) -> dict[str, list[Alias]]:
    segments = conversation(*turns)
    return extract_aliases(segments, speaker_stats(segments))


def _texts(aliases: list[Alias], kind: str) -> set[str]:
    return {a.text for a in aliases if a.kind == kind}


def test_self_intro_yields_name_role_and_org_when_all_are_said():
    found = _aliases(("S0", "Hi, I'm Priya, the CFO at Northwind."))["S0"]
    assert _texts(found, "self_intro") == {
        "Priya",
        "CFO",
        "CFO at Northwind",
        "from Northwind",
        "Priya, CFO at Northwind",
    }


def test_self_intro_is_read_when_transcript_is_upper_case_with_fillers():
    found = _aliases(("S0", "HI I'M CHIARA I'M THE UM MARKETING EXPERT"))["S0"]
    assert {"CHIARA", "MARKETING EXPERT"} <= _texts(found, "self_intro")


def test_self_intro_ignores_phrases_when_they_are_not_names():
    found = _aliases(
        ("S0", "I'm going to share my screen. I'm not sure. I'm a bit late, sorry."),
        ("S1", "I'M THINKING WE SHOULD START SO I'M GUESSING THAT'S FINE"),
        ("S2", "This is great. Nobody here knows."),
    )
    assert all(not _texts(found[s], "self_intro") for s in ("S0", "S1", "S2"))


def test_self_intro_weights_my_name_is_above_im():
    found = _aliases(("S0", "My name is Ana."), ("S1", "I'm Ben."), ("S2", "Cleo here."))
    weights = {s: max(a.weight for a in found[s] if a.kind == "self_intro") for s in found}
    assert weights["S0"] > weights["S1"] > weights["S2"]


def test_addressing_splits_a_bare_thanks_between_both_neighbours():
    found = _aliases(("S1", "Here are the numbers."), ("S0", "Thanks, Noor."), ("S2", "Next item."))
    assert _texts(found["S1"], "addressed") == {"Noor"}
    assert _texts(found["S2"], "addressed") == {"Noor"}


def test_addressing_shares_weight_when_a_name_is_said_before_different_speakers():
    found = _aliases(
        ("S0", "Over to you, Lee."),
        ("S1", "Sure."),
        ("S0", "Lee, anything else?"),
        ("S1", "No."),
        ("S0", "Lee?"),
        ("S2", "Sorry, Lee stepped out."),
    )
    s1 = next(a for a in found["S1"] if a.kind == "addressed")
    s2 = next(a for a in found["S2"] if a.kind == "addressed")
    assert s1.weight > s2.weight
    assert "(2 times)" in s1.clue


def test_unknown_speech_gets_no_aliases_but_can_address_others():
    found = _aliases(("unknown", "I'm Zed. Kim, go ahead."), ("S1", "Thanks."))
    assert "unknown" not in found
    assert _texts(found["S1"], "addressed") == {"Kim"}
