"""LLM answers for the renderer's unit tests."""

from __future__ import annotations

from typing import Any

from services.domain.templates import sections_of

TARGET_WORDS = "We need the numbers before the board meets in March. Can you send the pricing?"


def valid_output(template: str) -> dict[str, Any]:
    """An answer the LLM could give for `template`, valid in every respect."""
    sections: dict[str, Any] = {}
    for spec in sections_of(template):
        section: dict[str, Any] = {"title": spec.title}
        if spec.kind == "actions":
            section["items"] = [{"title": f"Do {spec.key}", "context": "Because they asked."}]
        else:
            section["body"] = f"About {spec.key}."
        if spec.kind == "traits":
            section["phrases"] = ["Numbers first", "Board-minded", "Direct asker"]
        section["quotes"] = ["We need the numbers before the board meets in March."]
        sections[spec.key] = section
    return {"title": "Priya, the CFO", "summary": "Wants numbers.", "sections": sections}
