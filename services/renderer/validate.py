"""Checks on what the LLM wrote, and on the report document made from it.

- `check_output`: the LLM's answer against `llm_schema.output_schema` (JSON Schema 2020-12) and
  the template rules a strict schema cannot say: non-blank text, exactly 3 distinct non-blank trait
  phrases, at least one action with a title and context.
- `check_document`: the final document against the contract's report schema and the template's
  section order and kinds.

Each returns `Problem(path, message)`s with JSON paths (`$.sections.how_to_close.items[0].title`);
an empty list means valid. The messages are written for the model to read in a repair turn.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from functools import cache
from typing import Any, NamedTuple

from jsonschema import ValidationError

from services.common.schema_check import SchemaValidator
from services.contracts import report_document_validator
from services.domain.templates import TRAIT_PHRASES, sections_of
from services.renderer.llm_schema import output_schema


class Problem(NamedTuple):
    path: str
    message: str
    # A soft problem is worth another attempt, but an answer with only soft problems is usable.
    soft: bool = False


def check_output(template: str, output: Any, with_quotes: bool = True) -> list[Problem]:
    problems = [
        Problem(error.json_path, _schema_message(error))
        for error in sorted(
            _validator(template, with_quotes).iter_errors(output), key=lambda e: list(map(str, e.absolute_path))
        )
    ]
    if isinstance(output, Mapping):
        problems += _template_rules(template, output)
    return _unique(problems)


def check_document(template: str, document: Any) -> list[Problem]:
    problems = [
        Problem(error.json_path, _schema_message(error)) for error in report_document_validator().iter_errors(document)
    ]
    if not isinstance(document, Mapping) or not isinstance(document.get("sections"), list):
        return problems
    if document.get("template") != template:
        problems.append(Problem("$.template", f"must be {template!r}"))
    expected = [(s.key, s.kind) for s in sections_of(template)]
    found = [(s.get("key"), s.get("kind")) for s in document["sections"] if isinstance(s, Mapping)]
    if found != expected:
        problems.append(
            Problem(
                "$.sections",
                "must be, in order: " + ", ".join(f"{k} ({kind})" for k, kind in expected),
            )
        )
    for i, section in enumerate(document["sections"]):
        if isinstance(section, Mapping) and section.get("kind") == "traits":
            phrases = section.get("phrases")
            if not isinstance(phrases, list) or len(phrases) != TRAIT_PHRASES:
                problems.append(Problem(f"$.sections[{i}].phrases", f"must hold exactly {TRAIT_PHRASES} phrases"))
    return problems


def _template_rules(template: str, output: Mapping[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    for name in ("title", "summary"):
        if _blank(output.get(name)):
            problems.append(Problem(f"$.{name}", "must not be blank"))
    sections = output.get("sections")
    if not isinstance(sections, Mapping):
        return problems
    for spec in sections_of(template):
        section = sections.get(spec.key)
        base = f"$.sections.{spec.key}"
        if not isinstance(section, Mapping):
            continue  # the schema check already says it is missing or not an object
        if _blank(section.get("title")):
            problems.append(Problem(f"{base}.title", "must not be blank"))
        if spec.kind in ("paragraph", "traits") and _blank(section.get("body")):
            problems.append(Problem(f"{base}.body", "must not be blank"))
        if spec.kind == "traits":
            problems += _phrase_rules(base, section.get("phrases"))
        if spec.kind == "actions":
            items = section.get("items")
            if isinstance(items, list):
                for i, item in enumerate(items):
                    if not isinstance(item, Mapping):
                        continue
                    for name in ("title", "context"):
                        if _blank(item.get(name)):
                            problems.append(Problem(f"{base}.items[{i}].{name}", "must not be blank"))
    return problems


def _phrase_rules(base: str, phrases: Any) -> list[Problem]:
    if not isinstance(phrases, list):
        return []
    problems = [Problem(f"{base}.phrases[{i}]", "must not be blank") for i, p in enumerate(phrases) if _blank(p)]
    texts = [fold(p) for p in phrases if isinstance(p, str) and p.strip()]
    if len(set(texts)) != len(texts):
        problems.append(Problem(f"{base}.phrases", f"must be {TRAIT_PHRASES} different phrases"))
    return problems


@cache
def _validator(template: str, with_quotes: bool) -> SchemaValidator:
    return SchemaValidator(output_schema(template, with_quotes))


def _schema_message(error: ValidationError) -> str:
    """jsonschema's message, without the (possibly long) offending value in it."""
    kind, expected = error.validator, error.validator_value
    count = len(error.instance) if isinstance(error.instance, (list, dict, str)) else None
    if kind == "type":
        return f"must be of type {expected}"
    if kind == "minItems":
        return f"must have at least {expected} items, has {count}"
    if kind == "maxItems":
        return f"must have at most {expected} items, has {count}"
    if kind == "additionalProperties":
        properties = error.schema.get("properties", {}) if isinstance(error.schema, Mapping) else {}
        allowed = ", ".join(properties)
        return f"{error.message}; allowed: {allowed}"
    message = error.message
    return message if len(message) <= 200 else message[:197] + "..."


def _unique(problems: list[Problem]) -> list[Problem]:
    return list(dict.fromkeys(problems))


def _blank(value: Any) -> bool:
    """Whitespace-only text; a missing or non-string value is the schema check's to report."""
    return isinstance(value, str) and not value.strip()


_PUNCTUATION = re.compile(r"[^\w\s]")


def fold(text: str) -> str:
    """Text reduced to its words: case, spacing and punctuation folded away."""
    text = unicodedata.normalize("NFKC", text).casefold().replace("\u2019", "'")
    text = _PUNCTUATION.sub(" ", text.replace("'", ""))
    return " ".join(text.split())
