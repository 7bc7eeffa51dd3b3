"""The `Prefer` header (RFC 7240): which wait a client asked for."""

from __future__ import annotations

import pytest

from services.gateway.prefer import MAX_WAIT_S, preferences, wait_seconds


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ([], None),
        (["wait=10"], 10),
        (["wait"], MAX_WAIT_S),
        (["WAIT=5"], 5),
        (["wait = 7"], 7),
        (['wait="12"'], 12),
        (["respond-async, wait=3"], 3),
        (["respond-async", "wait=4"], 4),
        (["wait=0"], 0),
        (["wait=600"], MAX_WAIT_S),
        (["wait=-1"], None),
        (["wait=soon"], None),
        (["wait=2.5"], None),
        (["return=minimal"], None),
        (["wait=9;foo=bar"], 9),
        (["wait=8, wait=1"], 8),
        (["wait=²"], None),  # isdigit() but not an ASCII digit (issue 13)
        (["wait=" + "9" * 5000], MAX_WAIT_S),
    ],
)
def test_wait_seconds_reads_the_first_wait_preference(headers: list[str], expected: int | None):
    assert wait_seconds(headers) == expected


def test_preferences_keeps_names_lowercase_and_values_unquoted():
    assert preferences(['Respond-Async, Return="representation"; x=1']) == {
        "respond-async": None,
        "return": "representation",
    }


def test_a_malformed_preference_is_skipped_not_fatal():
    assert preferences(["wait=3 garbage, handling=lenient"]) == {"handling": "lenient"}
