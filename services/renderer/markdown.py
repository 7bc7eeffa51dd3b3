"""Markdown from a contract report document, deterministically: same document, same bytes.

    # Title

    Summary.

    ## Section title

    Body.

    - phrase one            (traits: the body, then the three phrases)

    1. **Action** — context (actions)

Newlines become `\\n`; paragraphs keep single blank lines between them; headings and list items
stay on one line. Nothing is escaped.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

_BLANK_RUNS = re.compile(r"\n{3,}")


def to_markdown(document: Mapping[str, Any], evidence: Sequence[Any] = ()) -> str:
    """`evidence` (SectionSupport per section) becomes footnotes: each quote with its timestamp."""
    quotes = {support.key: support.quotes for support in evidence}
    footnotes: list[str] = []
    blocks = [f"# {_line(document['title'])}", _paragraphs(document["summary"])]
    for section in document["sections"]:
        blocks.append(f"## {_line(section['title'])}")
        if section.get("body"):
            blocks.append(_paragraphs(section["body"]))
        if section["kind"] == "traits":
            blocks.append("\n".join(f"- {_line(p)}" for p in section["phrases"]))
        if section["kind"] == "actions":
            blocks.append(
                "\n".join(
                    f"{n}. **{_line(item['title'])}** — {_line(item['context'])}"
                    for n, item in enumerate(section["items"], 1)
                )
            )
        refs = []
        for quote in quotes.get(section["key"], ()):
            footnotes.append(f"[^{len(footnotes) + 1}]: \u201c{_line(quote.text)}\u201d [{timestamp(quote.start)}]")
            refs.append(f"[^{len(footnotes)}]")
        if refs:
            blocks.append("*Evidence:* " + " ".join(refs))
    if footnotes:
        blocks.append("\n".join(footnotes))
    return "\n\n".join(b for b in blocks if b) + "\n"


def timestamp(seconds: float) -> str:
    """`12:04`, or `1:02:09` past the hour."""
    total = int(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def _paragraphs(text: str) -> str:
    text = _newlines(text)
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return _BLANK_RUNS.sub("\n\n", text).strip()


def _line(text: str) -> str:
    return " ".join(_newlines(text).split())


def _newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")
