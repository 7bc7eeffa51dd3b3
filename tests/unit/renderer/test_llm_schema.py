from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft202012Validator

from services.domain.templates import TEMPLATE_NAMES, sections_of
from services.renderer.llm_schema import output_schema

FORBIDDEN = {"oneOf", "anyOf", "allOf", "prefixItems", "minLength", "maxLength", "$ref"}


def _objects(schema: Any, path: str = "$"):
    if isinstance(schema, dict):
        if schema.get("type") == "object":
            yield path, schema
        for key, value in schema.items():
            yield from _objects(value, f"{path}.{key}")
    elif isinstance(schema, list):
        for i, value in enumerate(schema):
            yield from _objects(value, f"{path}[{i}]")


def _keywords(schema: Any):
    if isinstance(schema, dict):
        for key, value in schema.items():
            if key != "properties":
                yield key
            yield from _keywords(value if key != "properties" else list(value.values()))
    elif isinstance(schema, list):
        for value in schema:
            yield from _keywords(value)


@pytest.mark.parametrize("template", TEMPLATE_NAMES)
@pytest.mark.parametrize("with_quotes", [True, False])
def test_schema_follows_openai_strict_rules_for_every_object(template, with_quotes):
    schema = output_schema(template, with_quotes)
    Draft202012Validator.check_schema(schema)
    for path, obj in _objects(schema):
        assert obj["additionalProperties"] is False, path
        assert obj["required"] == list(obj["properties"]), path
    assert not FORBIDDEN & set(_keywords(schema))


@pytest.mark.parametrize("template", TEMPLATE_NAMES)
def test_schema_lists_sections_in_template_order_with_guidance(template):
    sections = output_schema(template)["properties"]["sections"]
    keys = [s.key for s in sections_of(template)]
    assert list(sections["properties"]) == keys
    assert sections["required"] == keys
    for spec in sections_of(template):
        assert spec.guidance in sections["properties"][spec.key]["description"]


def test_schema_shapes_each_section_kind_when_quotes_are_on():
    props = output_schema("sales_playbook")["properties"]["sections"]["properties"]
    assert list(props["how_they_think"]["properties"]) == ["title", "body", "quotes"]
    traits = props["dominating_traits"]["properties"]
    assert list(traits) == ["title", "body", "phrases", "quotes"]
    assert (traits["phrases"]["minItems"], traits["phrases"]["maxItems"]) == (3, 3)
    close = props["how_to_close"]["properties"]
    assert list(close) == ["title", "items", "quotes"]
    assert close["items"]["minItems"] == 1
    assert list(close["items"]["items"]["properties"]) == ["title", "context"]
    assert props["bottom_line"]["properties"]["quotes"]["items"] == {"type": "string"}


def test_schema_has_no_quotes_when_quotes_are_off():
    schema = output_schema("general_report", with_quotes=False)
    props = schema["properties"]["sections"]["properties"]
    assert all("quotes" not in s["properties"] for s in props.values())


def test_schema_rejects_unknown_template_when_asked():
    with pytest.raises(ValueError, match="unknown template"):
        output_schema("nope")
