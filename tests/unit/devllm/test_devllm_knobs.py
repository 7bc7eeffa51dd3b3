"""The knob grammar: model-name suffix and x-dev-llm header."""

from __future__ import annotations

import pytest

from services.devllm.knobs import Fail, KnobError, Knobs, parse_knobs, split_model


def test_model_suffix_gives_knobs_when_joined_by_plus():
    assert parse_knobs("dev-llm+latency=2000+fail=429*2", None) == Knobs(2000, Fail("429", 2))


def test_header_gives_knobs_when_joined_by_semicolon():
    knobs = parse_knobs("dev-llm", " latency=5 ; fail=not_json*1 ; retry_after=20 ")

    assert knobs == Knobs(latency_ms=5, fail=Fail("not_json", 1), retry_after_ms=20)


def test_header_wins_when_both_set_the_same_key():
    knobs = parse_knobs("dev-llm+latency=100+fail=500", "fail=refusal")

    assert knobs == Knobs(latency_ms=100, fail=Fail("refusal"))


def test_no_knobs_when_model_is_plain():
    assert parse_knobs("gpt-4o", None) == Knobs()
    assert split_model("dev-llm+fail=hang") == ("dev-llm", "fail=hang")


@pytest.mark.parametrize(
    "model, header",
    [
        ("dev-llm+speed=fast", None),
        ("dev-llm+fail=teapot", None),
        ("dev-llm+fail=429*0", None),
        ("dev-llm+fail=429*x", None),
        ("dev-llm+latency=-1", None),
        ("dev-llm+latency", None),
        ("dev-llm", "latency=soon"),
    ],
)
def test_knob_error_when_knob_is_not_understood(model, header):
    with pytest.raises(KnobError):
        parse_knobs(model, header)


def test_fail_prints_as_written_when_it_has_a_count():
    assert str(Fail("429", 2)) == "429*2" and str(Fail("hang")) == "hang"
