"""Wrong answers on purpose: the invalid outputs the `fail=` knob asks for."""

from __future__ import annotations

import copy
import json
from typing import Any

NOT_JSON = "Sure! Here is the report: {oops"
REFUSAL = "I'm sorry, but I can't help with that request."
INVENTED_QUOTE = "Honestly, we already signed with your competitor last week."


def break_schema(report: Any) -> Any:
    """The report with its last section gone and every phrase list cut to two phrases."""
    broken = copy.deepcopy(report)
    if not isinstance(broken, dict):
        return {"title": broken}
    sections = broken.get("sections")
    if isinstance(sections, dict) and sections:
        sections.pop(list(sections)[-1])
        for section in sections.values():
            if isinstance(section, dict) and isinstance(section.get("phrases"), list):
                section["phrases"] = section["phrases"][:2]
    else:
        broken.pop("summary", None)
        broken["title"] = None
    return broken


def invent_quote(report: Any, transcript_texts: tuple[str, ...]) -> Any:
    """The report with the last quote of its first quoted section replaced by an invented one."""
    changed = copy.deepcopy(report)
    sections = changed.get("sections") if isinstance(changed, dict) else None
    if not isinstance(sections, dict):
        return changed
    invented = INVENTED_QUOTE
    while any(invented in text for text in transcript_texts):
        invented += " Really."
    for section in sections.values():
        quotes = section.get("quotes") if isinstance(section, dict) else None
        if isinstance(quotes, list) and quotes:
            quotes[-1] = invented
            break
    return changed


def drop_quotes(report: Any) -> Any:
    """The report with every section's quotes emptied: sections the evidence does not support."""
    changed = copy.deepcopy(report)
    sections = changed.get("sections") if isinstance(changed, dict) else None
    for section in sections.values() if isinstance(sections, dict) else ():
        if isinstance(section, dict) and "quotes" in section:
            section["quotes"] = []
    return changed


def truncate(report: Any, keep_chars: int | None = None) -> tuple[Any, str]:
    """(what was written before the cut as an object, the JSON text cut off mid-way)."""
    text = json.dumps(report, ensure_ascii=False)
    cut = text[: max(1, min(len(text) - 1, keep_chars if keep_chars else len(text) // 2))]
    partial = dict(list(report.items())[:-1]) if isinstance(report, dict) else {}
    return partial, cut
