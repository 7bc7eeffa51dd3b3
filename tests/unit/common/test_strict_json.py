"""strict_json refuses what a store cannot keep or a client cannot read back, and quotes little."""

from __future__ import annotations

import json

import pytest

from services.common import strict_json
from services.common.strict_json import JsonProblem

REFUSED = [
    ("infinity as an overflowing exponent", '{"end": 1e999}', "invalid_number", ""),
    ("negative infinity", '{"end": -1e999}', "invalid_number", ""),
    ("NaN", '{"x": NaN}', "invalid_number", ""),
    ("Infinity", '{"x": Infinity}', "invalid_number", ""),
    ("a 4,000-digit integer", '{"n": ' + "9" * 4000 + "}", "invalid_number", ""),
    ("an integer past 2^53", '{"n": 9007199254740993}', "invalid_number", ""),
    ("an integer below -2^53", '{"n": -9007199254740993}', "invalid_number", ""),
    ("a duplicate key", '{"a": 1, "b": 2, "a": 3}', "duplicate_key", ""),
    ("a lone high surrogate", '{"label": "x\\ud800y"}', "invalid_string", "/label"),
    ("a lone low surrogate in a key", '{"k\\udc00": 1}', "invalid_string", ""),
    ("NUL in a string", '{"a": ["ok", "nul\\u0000"]}', "invalid_string", "/a/1"),
    ("nesting 1,000 deep", "[" * 1000 + "]" * 1000, "too_deep", ""),
    ("nesting 100,000 deep", "[" * 100_000 + "]" * 100_000, "too_deep", ""),
    ("nesting 33 deep", "[" * 33 + "]" * 33, "too_deep", "/0" * 32),
    ("broken JSON", '{"media": ', "invalid_json", ""),
]


@pytest.mark.parametrize(("raw", "code", "path"), [(r, c, p) for _, r, c, p in REFUSED], ids=[n for n, *_ in REFUSED])
def test_loads_refuses_with_a_code_and_a_path_when_the_json_is_hostile(raw, code, path):
    with pytest.raises(JsonProblem) as caught:
        strict_json.loads(raw)
    assert caught.value.code == code
    assert caught.value.path == path
    assert len(str(caught.value)) < 300


def test_loads_refuses_bytes_that_are_not_utf8():
    with pytest.raises(JsonProblem) as caught:
        strict_json.loads(b'{"a": "\xff"}')
    assert caught.value.code == "invalid_json"


ACCEPTED = [
    '{"a": 1.5, "b": -0.0, "c": 1e308}',
    '{"n": 9007199254740992, "m": -9007199254740992}',
    '{"emoji": "\\ud83d\\ude00", "plain": "😀", "tab": "\\t"}',
    "[" * 32 + "]" * 32,
    '{"a": {"a": {"a": 1}}}',
]


@pytest.mark.parametrize("raw", ACCEPTED)
def test_loads_answers_what_json_loads_answers_when_the_json_is_sound(raw):
    assert strict_json.loads(raw) == json.loads(raw)


def test_the_problem_quotes_a_short_prefix_of_a_long_key():
    raw = '{"' + "k" * 100_000 + '": 1, "' + "k" * 100_000 + '": 2}'
    with pytest.raises(JsonProblem) as caught:
        strict_json.loads(raw)
    assert caught.value.code == "duplicate_key"
    assert len(str(caught.value)) < 200
    assert "100000 characters" in str(caught.value)


def test_a_deep_path_is_cut_in_the_problem():
    raw = "".join('{"' + "k" * 50 + '": ' for _ in range(40)) + "1" + "}" * 40
    with pytest.raises(JsonProblem) as caught:
        strict_json.loads(raw)
    assert caught.value.code == "too_deep"
    assert len(caught.value.path) <= 4 * strict_json.QUOTE_CHARS + 3


def test_quote_marks_a_cut_and_escapes_a_lone_surrogate():
    assert strict_json.quote("short") == "'short'"
    assert strict_json.quote("x" * 100, 10) == "'xxxxxxxxxx'... (100 characters)"
    assert "\\ud800" in strict_json.quote("\ud800")


@pytest.mark.parametrize("raw", ['{"a": "\ud800"}', '["\udfff"]'])
def test_a_lone_surrogate_given_as_a_character_of_text_is_refused_too(raw):
    with pytest.raises(JsonProblem) as caught:
        strict_json.loads(raw)
    assert caught.value.code == "invalid_string"


def test_an_escaped_backslash_before_u_is_no_surrogate():
    assert strict_json.loads(r'{"path": "C:\\ud800"}') == {"path": "C:\\ud800"}
