"""The JSON schema the LLM fills: one object per section, keyed by section key.

Written for OpenAI strict structured outputs (every object closes with `additionalProperties:
false` and requires all its properties; no `oneOf`, no `prefixItems`, no `minLength`), which
Anthropic's tool `input_schema` accepts as is. What strict mode cannot say (non-blank text) the
template rules in `validate` check. Each section's guidance from the template goes into its
`description`, so the schema itself tells the model what to write.
"""

from __future__ import annotations

from typing import Any

from services.domain.templates import TRAIT_PHRASES, SectionSpec, sections_of

QUOTES_DESCRIPTION = (
    "Verbatim quotes of the target's own words (segments with isTarget true) that support this "
    "section, copied exactly; one to three, or none when nothing fits. Never paraphrase or invent."
)


def output_schema(template: str, with_quotes: bool = True) -> dict[str, Any]:
    specs = sections_of(template)
    sections = {spec.key: _section(spec, with_quotes) for spec in specs}
    return _object(
        {
            "title": _text("A short title for the report, naming the person when the data gives a label."),
            "summary": _text("Two or three sentences: the most useful things to know about this person."),
            "sections": _object(sections, "Every section of the report, in this order."),
        }
    )


def _section(spec: SectionSpec, with_quotes: bool) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "title": _text(f'The section heading, usually "{spec.title}".'),
    }
    if spec.kind == "actions":
        properties["items"] = {
            "type": "array",
            "minItems": 1,
            "description": "Concrete actions, most important first.",
            "items": _object(
                {
                    "title": _text("The action, as a short imperative."),
                    "context": _text("Why and how, tied to what the target said or did."),
                }
            ),
        }
    else:
        properties["body"] = _text("The section text, grounded in the evidence.")
    if spec.kind == "traits":
        properties["phrases"] = {
            "type": "array",
            "minItems": TRAIT_PHRASES,
            "maxItems": TRAIT_PHRASES,
            "description": f"Exactly {TRAIT_PHRASES} short, distinct phrases naming the traits.",
            "items": {"type": "string"},
        }
    if with_quotes:
        properties["quotes"] = {
            "type": "array",
            "description": QUOTES_DESCRIPTION,
            "items": {"type": "string"},
        }
    return _object(properties, f"{spec.title}: {spec.guidance}")


def _object(properties: dict[str, Any], description: str | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object"}
    if description:
        schema["description"] = description
    schema["properties"] = properties
    schema["required"] = list(properties)
    schema["additionalProperties"] = False
    return schema


def _text(description: str) -> dict[str, Any]:
    return {"type": "string", "description": description}
