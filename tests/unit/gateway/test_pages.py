"""Rows JSON cannot carry are left out of lists or answered with nulls, each counted on its own;
a view's own error is never taken for an unreadable row."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from services.gateway import pages


@dataclass
class Row:
    id: str
    end: float


def render(row: Row) -> dict[str, Any]:
    return {"id": row.id, "end": row.end}


def count(counter: Any, kind: str) -> float:
    return counter.labels(kind)._value.get()


def test_a_row_with_an_infinite_number_is_left_out_of_its_page_and_counted_as_left_out():
    left_out, nulled = count(pages.LEFT_OUT, "row"), count(pages.NULLED, "row")
    response = pages.page_response("row", [Row("a", 1.0), Row("b", float("inf"))], render, "")
    assert json.loads(response.body) == {"items": [{"id": "a", "end": 1.0}], "nextCursor": None}
    assert count(pages.LEFT_OUT, "row") == left_out + 1
    assert count(pages.NULLED, "row") == nulled


def test_a_resource_with_a_nan_is_answered_with_null_and_counted_as_answered_with_nulls():
    left_out, nulled = count(pages.LEFT_OUT, "one"), count(pages.NULLED, "one")
    response = pages.resource_response("one", {"id": "a", "end": float("nan"), "list": [float("-inf"), 2.0]})
    assert json.loads(response.body) == {"id": "a", "end": None, "list": [None, 2.0]}
    assert count(pages.NULLED, "one") == nulled + 1
    assert count(pages.LEFT_OUT, "one") == left_out


@pytest.mark.parametrize("error", [KeyError("missing"), AttributeError("no field"), TypeError("bad")])
def test_a_view_that_fails_is_an_error_not_a_row_left_out(error):
    def broken(row: Row) -> dict[str, Any]:
        if row.id == "b":
            raise error
        return render(row)

    with pytest.raises(type(error)):
        pages.page_response("broken", [Row("a", 1.0), Row("b", 2.0)], broken, "")
    assert count(pages.LEFT_OUT, "broken") == 0


def test_a_value_json_cannot_encode_at_all_is_an_error_not_a_null():
    with pytest.raises(TypeError):
        pages.resource_response("object", {"id": object()})
    with pytest.raises(TypeError):
        pages.page_response("object", [Row("a", 1.0)], lambda r: {"id": object()}, "")
    assert count(pages.LEFT_OUT, "object") == 0 and count(pages.NULLED, "object") == 0
