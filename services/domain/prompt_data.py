"""The delimited data block that carries a transcript into an LLM prompt.

Transcript text is untrusted. It enters the prompt only inside one block,

    <transcript_data>
    {...JSON...}
    </transcript_data>

as JSON in which `<`, `>` and `&` are written as `\\u003c`, `\\u003e`, `\\u0026`, so nothing a
speaker says can close the block or open another one. The JSON object has this shape:

    {
      "media":     {"title": str, "durationSec": float},
      "target":    {"id": str, "label": str | null, "description": str | null},
      "analytics": {"speakingSec", "share", "words", "turns", "wordsPerMinute", "questions",
                    "longestMonologueSec", "interruptions", "meanTurnSec"},   # the target's
      "speakers":  [{"id", "label", "description", "speakingSec", "share", "words", "turns"}],
      "segments":  [{"speaker": str, "start": float, "end": float, "text": str,
                     "isTarget": bool}],                                        # time order
      "params":    {name: value}                                               # templateParams
    }
"""

from __future__ import annotations

import json
from typing import Any

OPEN = "<transcript_data>"
CLOSE = "</transcript_data>"
_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026"}


def encode(data: dict[str, Any]) -> str:
    """The data block, ready to paste into a prompt."""
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).translate(_ESCAPES)
    return f"{OPEN}\n{body}\n{CLOSE}"


def decode(text: str) -> dict[str, Any] | None:
    """The JSON object of the first data block in `text`, or None when there is none."""
    start = text.find(OPEN)
    if start < 0:
        return None
    end = text.find(CLOSE, start + len(OPEN))
    if end < 0:
        return None
    try:
        value = json.loads(text[start + len(OPEN) : end])
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None
