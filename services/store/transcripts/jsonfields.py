"""Reading JSON transcripts field by field, with errors that name the index and field at fault."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from services.common import strict_json

from .errors import INVALID_TRANSCRIPT, TranscriptError


@dataclass(frozen=True)
class Loc:
    """A place in the content: `pointer` for TranscriptError.path, `label` for messages."""

    pointer: str = "/content"
    label: str = ""

    def key(self, name: str) -> Loc:
        return Loc(f"{self.pointer}/{name}", f"{self.label}.{name}" if self.label else name)

    def index(self, i: int) -> Loc:
        return Loc(f"{self.pointer}/{i}", f"{self.label or 'content'}[{i}]")

    def error(self, problem: str, code: str = INVALID_TRANSCRIPT) -> TranscriptError:
        return TranscriptError(code, f"{self.label or 'content'}: {problem}", self.pointer)


def load_json(content: object) -> object:
    """The decoded JSON: `content` itself, or parsed when it is a string holding JSON."""
    if isinstance(content, bytes | bytearray):
        content = content.decode("utf-8", errors="replace")
    if not isinstance(content, str):
        return content
    try:
        return strict_json.loads(content.lstrip("\ufeff"))
    except strict_json.JsonProblem as problem:
        raise TranscriptError(
            INVALID_TRANSCRIPT, str(problem) if problem.path else problem.message, "/content" + problem.path
        ) from None


def get(obj: dict[str, Any], loc: Loc, name: str) -> tuple[Any, Loc]:
    return obj.get(name), loc.key(name)


def as_object(value: object, loc: Loc) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise loc.error(f"must be an object, got {type_name(value)}")
    return value


def as_list(value: object, loc: Loc) -> list[Any]:
    if not isinstance(value, list):
        raise loc.error(f"must be a list, got {type_name(value)}")
    return value


def number(obj: dict[str, Any], loc: Loc, name: str, *, scale: float = 1.0) -> float:
    """A required, finite, non-negative number; `scale` converts units (0.001 for milliseconds)."""
    value, at = get(obj, loc, name)
    if value is None:
        raise at.error("is required" if name not in obj else "must be a number, got null")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise at.error(f"must be a number, got {type_name(value)}")
    if not math.isfinite(value):
        raise at.error("must be a finite number")
    if value < 0:
        raise at.error(f"must not be negative, got {value}")
    return round(value * scale, 3) if scale != 1.0 else float(value)


def text(obj: dict[str, Any], loc: Loc, name: str) -> str:
    value, at = get(obj, loc, name)
    if not isinstance(value, str):
        problem = f"must be a string, got {type_name(value)}" if name in obj else "is required"
        raise at.error(problem)
    return value


def speaker(obj: dict[str, Any], loc: Loc, name: str = "speaker") -> str | None:
    """The speaker label as a string (integers become "1"), or None when absent, null or empty."""
    value, at = get(obj, loc, name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise at.error(f"must be a string or an integer, got {type_name(value)}")
    label = str(value).strip()
    return label or None


def timed(
    obj: dict[str, Any], loc: Loc, start: str = "start", end: str = "end", *, scale: float = 1.0
) -> tuple[float, float]:
    """(start, end), rejecting an end before its start."""
    begin = number(obj, loc, start, scale=scale)
    finish = number(obj, loc, end, scale=scale)
    if finish < begin:
        raise loc.key(end).error(f"end {obj[end]} is before start {obj[start]}")
    return begin, finish


def type_name(value: object) -> str:
    return {
        type(None): "null",
        bool: "a boolean",
        int: "a number",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "an object",
    }.get(type(value), type(value).__name__)
