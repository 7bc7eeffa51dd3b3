"""The OpenAPI document's examples are valid instances of the schemas they illustrate, and the pages
served beside the API are tagged apart from it."""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator

from services.gateway import openapi


def _examples() -> list[tuple[str, dict[str, Any], Any]]:
    found = []
    for path, item in openapi.document()["paths"].items():
        for method, op in item.items():
            contents = [op.get("requestBody", {}).get("content", {})]
            contents += [r.get("content", {}) for r in op["responses"].values()]
            for content in contents:
                media = content.get("application/json", {})
                for example in media.get("examples", {}).values():
                    found.append((f"{method.upper()} {path}", media["schema"], example["value"]))
    return found


def test_every_example_is_valid_against_its_schema():
    components = openapi.document()["components"]
    examples = _examples()
    assert len(examples) >= 7
    for where, schema, value in examples:
        validator = Draft202012Validator({**schema, "components": components})
        problems = [e.message for e in validator.iter_errors(value)]
        assert problems == [], f"{where}: {problems}"


def test_the_viewer_and_the_reference_page_are_pages_not_api_operations():
    paths = openapi.document()["paths"]
    assert {paths[p]["get"]["tags"][0] for p in ("/", "/docs", "/docs/docs.js")} == {"pages"}
    assert paths["/v1/openapi.json"]["get"]["tags"] == ["docs"]
