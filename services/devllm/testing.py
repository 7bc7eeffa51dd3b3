"""Support for tests and benchmarks that talk to the dev LLM: the report schema a renderer sends,
and a small transcript data block. (The dev LLM as a process for tests: tests/support/devllm.py.)"""

from __future__ import annotations

from typing import Any

from services.domain.templates import TRAIT_PHRASES, sections_of


def report_schema(template: str, *, quotes: bool = False) -> dict[str, Any]:
    """The structured-output schema a renderer sends for `template` (with `quotes` per section)."""
    sections: dict[str, Any] = {}
    for spec in sections_of(template):
        props: dict[str, Any] = {"title": {"type": "string", "description": spec.title}}
        if spec.kind in ("paragraph", "traits"):
            props["body"] = {"type": "string", "description": spec.guidance}
        if spec.kind == "traits":
            props["phrases"] = {
                "type": "array",
                "items": {"type": "string"},
                "minItems": TRAIT_PHRASES,
                "maxItems": TRAIT_PHRASES,
            }
        if spec.kind == "actions":
            props["items"] = {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "required": ["title", "context"],
                    "additionalProperties": False,
                    "properties": {"title": {"type": "string"}, "context": {"type": "string"}},
                },
            }
        if quotes:
            props["quotes"] = {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 3}
        sections[spec.key] = {
            "type": "object",
            "description": spec.guidance,
            "required": list(props),
            "properties": props,
            "additionalProperties": False,
        }
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["title", "summary", "sections"],
        "properties": {
            "title": {"type": "string"},
            "summary": {"type": "string"},
            "sections": {
                "type": "object",
                "additionalProperties": False,
                "required": list(sections),
                "properties": sections,
            },
        },
    }


def sample_data(extra_target_text: str = "") -> dict[str, Any]:
    """A decoded data block: a short sales call where `s1` (Dana Kim) is the target."""
    lines = [
        ("s1", 0.0, 9.0, "Thanks for making time. So what does the pricing look like for a team of forty?"),
        ("s2", 9.0, 21.0, "For forty seats we would be around twelve thousand a year, billed annually."),
        (
            "s1",
            20.5,
            48.0,
            "Okay, but our budget for this quarter is tight. I need to see the ROI "
            "before I take it to the board. Can you send me a case study from a "
            "similar team?",
        ),
        ("s2", 48.0, 55.0, "Absolutely, I can send that today."),
        (
            "s1",
            55.0,
            80.0,
            "The timeline matters too. We need the pilot running before the end of "
            "the quarter, otherwise the budget goes away. Who else uses the "
            "reporting module?",
        ),
        ("s2", 80.0, 86.0, "Two of your competitors do, happy to share references."),
    ]
    if extra_target_text:
        lines.append(("s1", 86.0, 92.0, extra_target_text))
    return {
        "media": {"title": "Acme discovery call", "durationSec": 92.0},
        "target": {"id": "s1", "label": "Dana Kim", "description": "VP Finance"},
        "analytics": {
            "speakingSec": 59.0,
            "share": 0.64,
            "words": 82,
            "turns": 3,
            "wordsPerMinute": 83.4,
            "questions": 3,
            "longestMonologueSec": 27.5,
            "interruptions": 1,
            "meanTurnSec": 19.7,
        },
        "speakers": [
            {"id": "s1", "label": "Dana Kim", "description": "VP Finance"},
            {"id": "s2", "label": "Sam (AE)", "description": None},
        ],
        "segments": [
            {"speaker": spk, "start": start, "end": end, "text": text, "isTarget": spk == "s1"}
            for spk, start, end, text in lines
        ],
        "params": {},
    }
