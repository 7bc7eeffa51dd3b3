"""JSON Schema (Draft 2020-12) validation with a compiled fast path for valid instances.

jsonschema-rs (Rust) tells whether an instance is valid in microseconds; jsonschema (Python)
takes milliseconds on the report document's schema, whose sections are a oneOf of three shapes,
and the renderer checks every report it writes that way. Valid instances, the common case, are
answered by the fast path alone. An invalid one goes through jsonschema for its errors, whose
paths and messages callers show: the gateway to clients, the renderer to the model in a repair
turn. jsonschema stays the authority: whatever the fast path refuses, jsonschema decides.

Both check the same formats with the same functions, so the fast path never accepts an instance
jsonschema would refuse.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator, FormatChecker, ValidationError


class SchemaValidator:
    def __init__(self, schema: dict[str, Any], *, formats: Mapping[str, Callable[[str], bool]] | None = None) -> None:
        """`formats`: the formats to check, each a test of a string; the schema's others are annotations."""
        checker = FormatChecker(formats=())
        for name, check in (formats or {}).items():
            checker.checks(name)(_strings_only(check))
        self._errors = Draft202012Validator(schema, format_checker=checker)
        self._fast = jsonschema_rs.Draft202012Validator(
            schema, formats=dict(formats or {}), validate_formats=bool(formats), ignore_unknown_formats=True
        )

    def is_valid(self, instance: Any) -> bool:
        return self._fast.is_valid(instance) or self._errors.is_valid(instance)

    def iter_errors(self, instance: Any) -> Iterator[ValidationError]:
        if self._fast.is_valid(instance):
            return iter(())
        return self._errors.iter_errors(instance)


def _strings_only(check: Callable[[str], bool]) -> Callable[[object], bool]:
    """jsonschema applies a format to values of any type; a format only says something of strings."""
    return lambda value: not isinstance(value, str) or check(value)
