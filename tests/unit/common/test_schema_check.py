"""Validation with the compiled fast path: the same verdicts and errors as jsonschema alone."""

from __future__ import annotations

import jsonschema_rs
from jsonschema import Draft202012Validator

from services import contracts
from services.common.schema_check import SchemaValidator

SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name", "items"],
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "home": {"type": "string", "format": "uri"},
        "born": {"type": "string", "format": "date"},
        "items": {"type": "array", "items": {"oneOf": [{"type": "integer"}, {"type": "string", "maxLength": 3}]}},
    },
}


def _validator() -> SchemaValidator:
    return SchemaValidator(SCHEMA, formats=contracts.FORMATS)


def test_a_valid_instance_has_no_errors():
    assert list(_validator().iter_errors({"name": "a", "items": [1, "ab"], "home": "https://x.test/"})) == []


def test_an_invalid_instance_gets_jsonschemas_errors_with_their_paths():
    instance = {"name": "", "items": [1, "long"], "extra": True}
    got = sorted((list(e.absolute_path), e.validator) for e in _validator().iter_errors(instance))
    expected = sorted((list(e.absolute_path), e.validator) for e in Draft202012Validator(SCHEMA).iter_errors(instance))
    assert got == expected and len(got) == 3


def test_the_formats_jsonschema_checks_are_checked_on_the_fast_path_too():
    errors = list(_validator().iter_errors({"name": "a", "items": [], "home": "not a uri"}))
    assert [(list(e.absolute_path), e.validator) for e in errors] == [(["home"], "format")]


def test_where_the_fast_path_is_stricter_jsonschema_decides():
    # "date" is a format the platform does not check; the compiled validator knows it and refuses.
    instance = {"name": "a", "items": [], "born": "not a date"}
    assert not jsonschema_rs.Draft202012Validator(SCHEMA, validate_formats=True).is_valid(instance)
    assert _validator().is_valid(instance)
    assert list(_validator().iter_errors(instance)) == []


def test_the_report_document_schema_accepts_a_document_and_names_what_breaks_one():
    document = {
        "template": "sales_playbook",
        "schemaVersion": 2,
        "title": "T",
        "summary": "S",
        "sections": [{"key": "bottom_line", "kind": "paragraph", "title": "Bottom line", "body": "B"}],
        "meta": {
            "prompt": {"name": "sales_playbook", "version": 1, "labels": ["production"]},
            "render": {"attempts": 1, "model": "dev-llm", "provider": "openai"},
        },
    }
    validator = contracts.report_document_validator()
    assert validator.is_valid(document) and list(validator.iter_errors(document)) == []
    broken = {**document, "sections": [{"key": "bottom_line", "kind": "paragraph", "title": "Bottom line"}]}
    assert not validator.is_valid(broken)
    assert [list(e.absolute_path) for e in validator.iter_errors(broken)] == [["sections", 0]]
