from __future__ import annotations

from services.renderer.markdown import to_markdown

DOCUMENT = {
    "template": "general_report",
    "schemaVersion": 2,
    "title": "Priya\r\nthe CFO",
    "summary": "Wants numbers.\r\n\r\n\r\n\r\nDecides fast.  ",
    "sections": [
        {
            "key": "dominating_traits",
            "kind": "traits",
            "title": "Dominating traits",
            "body": "Direct.",
            "phrases": ["Numbers first", "Board\nminded", "Asks why"],
        },
        {"key": "how_they_think", "kind": "paragraph", "title": "How they think", "body": "Line one\rLine two"},
        {
            "key": "how_to_get_their_best",
            "kind": "actions",
            "title": "How to get their best",
            "items": [
                {"title": "Send the model", "context": "She asked for it."},
                {"title": "Be brief", "context": "Short\nturns."},
            ],
        },
    ],
    "meta": {
        "prompt": {"name": "general_report", "version": 1, "labels": []},
        "render": {"attempts": 1, "model": "m", "provider": "openai"},
    },
}

EXPECTED = """\
# Priya the CFO

Wants numbers.

Decides fast.

## Dominating traits

Direct.

- Numbers first
- Board minded
- Asks why

## How they think

Line one
Line two

## How to get their best

1. **Send the model** — She asked for it.
2. **Be brief** — Short turns.
"""


def test_markdown_renders_exact_text_when_given_a_small_document():
    assert to_markdown(DOCUMENT) == EXPECTED


def test_markdown_is_deterministic_when_rendered_twice():
    assert to_markdown(DOCUMENT) == to_markdown(dict(DOCUMENT))
