"""Fitting drafted values to a JSON Schema."""

from __future__ import annotations

import jsonschema

from services.devllm.schema_fill import FILLER, conform, count_for


def test_refs_and_anyof_are_followed_when_filling():
    schema = {
        "$defs": {
            "Item": {
                "type": "object",
                "required": ["n", "tag"],
                "additionalProperties": False,
                "properties": {"n": {"type": "integer", "minimum": 2}, "tag": {"enum": ["a", "b"]}},
            }
        },
        "type": "object",
        "required": ["items", "note"],
        "additionalProperties": False,
        "properties": {
            "items": {"type": "array", "minItems": 2, "items": {"$ref": "#/$defs/Item"}},
            "note": {"anyOf": [{"type": "null"}, {"type": "string", "maxLength": 12}]},
        },
    }

    hint = {"items": [{"n": 7, "tag": "b", "extra": 1}], "note": "a long note here"}

    value = conform(schema, hint)

    jsonschema.validate(value, schema)
    assert value == {"items": [{"n": 7, "tag": "b"}, {"n": 2, "tag": "a"}], "note": "a long note"}


def test_arrays_are_cut_and_padded_to_their_bounds():
    schema = {"type": "array", "items": {"type": "string"}, "minItems": 3, "maxItems": 3, "uniqueItems": True}

    assert conform(schema, ["x", "y", "z", "w"]) == ["x", "y", "z"]
    padded = conform(schema, ["x"])
    jsonschema.validate(padded, schema)
    assert padded[0] == "x" and padded[1] == FILLER


def test_prefix_items_and_const_are_honoured():
    schema = {
        "type": "object",
        "required": ["v", "p"],
        "properties": {
            "v": {"const": 2},
            "p": {"type": "array", "prefixItems": [{"type": "string"}] * 3, "items": False},
        },
    }

    value = conform(schema, {"v": 9, "p": ["one"]})

    jsonschema.validate(value, schema)
    assert value["v"] == 2 and len(value["p"]) == 3


def test_string_is_padded_when_shorter_than_min_length():
    assert len(conform({"type": "string", "minLength": 40}, "short")) >= 40


def test_count_stays_within_bounds():
    assert count_for({"minItems": 3, "maxItems": 3}, 2) == 3
    assert count_for({"maxItems": 1}, 2) == 1
    assert count_for({}, 2) == 2
