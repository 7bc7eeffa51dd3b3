"""Path ids, limits, cursors and Last-Event-ID are checked before any backend sees them."""

from __future__ import annotations

import pytest
from starlette.requests import Request

from services.gateway import params
from services.gateway.errors import ApiError


def _request(path_params=None, query=b"", headers=()):
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/",
        "query_string": query,
        "headers": list(headers),
        "path_params": path_params or {},
    }
    return Request(scope)


@pytest.mark.parametrize("value", ["med_0123abc", "a", "A-b_9", "x" * 64])
def test_resource_id_answers_an_id_when_it_could_be_one(value):
    assert params.resource_id(_request({"media_id": value}), "media_id", "media") == value


@pytest.mark.parametrize("value", ["x" * 65, "x" * 10_000, "med 1", "med/1", "méd", "\ud800", "a.b", ""])
def test_resource_id_is_404_not_found_when_no_id_could_look_like_it(value):
    with pytest.raises(ApiError) as caught:
        params.resource_id(_request({"media_id": value}), "media_id", "media")
    assert (caught.value.status, caught.value.code) == (404, "media_not_found")
    assert len(caught.value.message) < 120


@pytest.mark.parametrize(("query", "expected"), [(b"", 0), (b"limit=", 0), (b"limit=1", 1), (b"limit=100", 100)])
def test_limit_answers_the_number_when_it_is_ascii_digits_in_range(query, expected):
    assert params.limit(_request(query=query)) == expected


@pytest.mark.parametrize(
    "query",
    [
        b"limit=%C2%B2",
        b"limit=%D9%A3",
        b"limit=0",
        b"limit=101",
        b"limit=-1",
        b"limit=1e2",
        b"limit=" + b"9" * 5000,
        b"limit=%2B5",
    ],
)
def test_limit_is_400_when_it_is_not_ascii_digits_from_1_to_100(query):
    with pytest.raises(ApiError) as caught:
        params.limit(_request(query=query))
    assert (caught.value.status, caught.value.code) == (400, "invalid_request")


@pytest.mark.parametrize("query", [b"cursor=" + b"a" * 129, b"cursor=%00", b"cursor=a%20b", "cursor=é".encode()])
def test_cursor_is_400_invalid_cursor_when_no_list_could_have_answered_it(query):
    with pytest.raises(ApiError) as caught:
        params.cursor(_request(query=query))
    assert (caught.value.status, caught.value.code) == (400, "invalid_cursor")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"17", 17),
        (b" 17 ", 17),
        (b"", None),
        (b"\xb2", None),
        (b"9" * 5000, None),
        (b"-3", None),
        (b"9223372036854775807", 2**63 - 1),
        (b"9223372036854775808", None),
    ],
)
def test_last_event_id_is_a_sequence_or_none_whatever_the_header_holds(raw, expected):
    assert params.last_event_id(_request(headers=[(b"last-event-id", raw)])) == expected
