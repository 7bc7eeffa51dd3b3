from __future__ import annotations

from services.renderer.evidence import QuoteLocator, unsupported_problems

SEGMENTS = [
    {"speaker": "S1", "start": 10.0, "end": 14.0, "text": "We need the numbers before the board meets in March."},
    {"speaker": "S1", "start": 20.0, "end": 23.5, "text": "Can you send the pricing?"},
    {"speaker": "S1", "start": 23.5, "end": 25.0, "text": "Today, ideally."},
]


def test_a_quote_matches_when_case_spacing_punctuation_or_elisions_differ():
    locator = QuoteLocator(SEGMENTS)
    for quote in [
        "we need the numbers  before the board meets",
        "We need the numbers ... in March",
        "can you send the PRICING",
    ]:
        found = locator.locate(quote)
        assert found is not None, quote
    assert (locator.locate("Can you send the pricing").start, locator.locate("Can you send the pricing").end) == (
        20.0,
        23.5,
    )


def test_a_quote_may_run_across_consecutive_segments_and_takes_their_span():
    found = QuoteLocator(SEGMENTS).locate("send the pricing? Today")
    assert found is not None and (found.start, found.end) == (20.0, 25.0)


def test_invented_or_partial_word_quotes_do_not_match():
    locator = QuoteLocator(SEGMENTS)
    assert locator.locate("I love your product") is None
    assert locator.locate("umbers before") is None
    assert locator.locate("...") is None


def test_sections_without_a_kept_quote_are_unsupported_and_a_soft_problem():
    output = {"sections": {"a": {"quotes": ["Today, ideally."]}, "b": {"quotes": ["never said"]}, "c": {}}}
    supports = QuoteLocator(SEGMENTS).support(output, ["a", "b", "c"])
    assert [(s.key, s.status) for s in supports] == [("a", "supported"), ("b", "unsupported"), ("c", "unsupported")]
    problems = unsupported_problems(supports)
    assert [p.path for p in problems] == ["$.sections.b.quotes", "$.sections.c.quotes"]
    assert all(p.soft for p in problems)
