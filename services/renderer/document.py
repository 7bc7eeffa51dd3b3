"""The LLM's answer → the contract's report document, with the quotes kept beside it.

The contract's document allows no extra fields, so each section's `quotes` leave the document and
come back as `{section key: [quotes]}`. Sections follow the template's order whatever order the
model wrote its keys in; text is trimmed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from services.domain.templates import SCHEMA_VERSION, sections_of


@dataclass(frozen=True)
class PromptRef:
    name: str
    version: int
    labels: Sequence[str]


@dataclass(frozen=True)
class RenderMeta:
    attempts: int
    model: str
    provider: str


def to_document(
    template: str, output: Mapping[str, Any], prompt: PromptRef, render: RenderMeta
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """(document, quotes). `output` must already pass `validate.check_output`."""
    sections: list[dict[str, Any]] = []
    quotes: dict[str, list[str]] = {}
    for spec in sections_of(template):
        answer = output["sections"][spec.key]
        section: dict[str, Any] = {"key": spec.key, "kind": spec.kind, "title": _text(answer["title"])}
        if spec.kind == "actions":
            section["items"] = [{"title": _text(i["title"]), "context": _text(i["context"])} for i in answer["items"]]
        else:
            section["body"] = _text(answer["body"])
        if spec.kind == "traits":
            section["phrases"] = [_text(p) for p in answer["phrases"]]
        sections.append(section)
        quotes[spec.key] = [q.strip() for q in answer.get("quotes", []) if q.strip()]
    document = {
        "template": template,
        "schemaVersion": SCHEMA_VERSION,
        "title": _text(output["title"]),
        "summary": _text(output["summary"]),
        "sections": sections,
        "meta": {
            "prompt": {"name": prompt.name, "version": int(prompt.version), "labels": list(prompt.labels)},
            "render": {"attempts": render.attempts, "model": render.model, "provider": render.provider},
        },
    }
    return document, quotes


def _text(value: str) -> str:
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()
