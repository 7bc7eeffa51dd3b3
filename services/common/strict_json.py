"""Strict JSON: what a request body may be before anything else reads it.

Python's `json` accepts more than a store can keep or a client can read back: `NaN`, `1e999`
(infinity), integers of thousands of digits, lone surrogates (`"\\ud800"`, which no UTF-8 encoder
takes), duplicate keys (the last silently wins) and nesting deep enough to exhaust the stack.
`loads` refuses all of them with a `JsonProblem` that names the JSON path and quotes at most a
short prefix of the offending input, so a caller can answer 400 without echoing the body.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

MAX_DEPTH = 32
MAX_SAFE_INTEGER = 2**53  # the largest integer every JSON reader (JavaScript's too) keeps exactly
_MAX_INT_DIGITS = len(str(MAX_SAFE_INTEGER)) + 1  # a sign and the digits
QUOTE_CHARS = 40


@dataclass(frozen=True)
class JsonProblem(Exception):
    code: str
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path or '/'}: {self.message}"


def quote(text: str, limit: int = QUOTE_CHARS) -> str:
    """At most `limit` characters of client input, as a repr, marked when cut."""
    cut = text[:limit]
    shown = repr(cut.encode("utf-8", "backslashreplace").decode("utf-8"))
    return shown + (f"... ({len(text)} characters)" if len(text) > limit else "")


def _parse_int(text: str) -> int:
    if len(text) > _MAX_INT_DIGITS or abs(value := int(text)) > MAX_SAFE_INTEGER:
        raise JsonProblem("invalid_number", "", f"integers must be within ±2^53, got {quote(text, 24)}")
    return value


def _parse_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise JsonProblem("invalid_number", "", f"numbers must be finite, got {quote(text, 24)}")
    return value


def _parse_constant(name: str) -> Any:
    raise JsonProblem("invalid_number", "", f"{name} is not a JSON number")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise JsonProblem("duplicate_key", "", f"the key {quote(key)} appears more than once")
            seen.add(key)
    return result


def _pointer(parts: list[Any]) -> str:
    pointer = "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)
    return pointer if len(pointer) <= 4 * QUOTE_CHARS else pointer[: 4 * QUOTE_CHARS] + "..."


def _string_problem(text: str) -> str | None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "strings may not contain lone surrogates (\\ud800-\\udfff without a pair)"
    if "\x00" in text:
        return "strings may not contain NUL (\\u0000)"
    return None


def check_value(value: Any, max_depth: int = MAX_DEPTH) -> None:
    """Depth and strings of an already decoded value, iteratively (so depth costs no stack)."""
    stack: list[tuple[Any, list[Any], int]] = [(value, [], 1)]
    while stack:
        item, path, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth > max_depth:
                raise JsonProblem("too_deep", _pointer(path), f"JSON may nest at most {max_depth} levels")
            if isinstance(item, dict):
                for key, child in item.items():
                    if (problem := _string_problem(key)) is not None:
                        raise JsonProblem("invalid_string", _pointer(path), f"a key: {problem}")
                    stack.append((child, [*path, key], depth + 1))
            else:
                stack.extend((child, [*path, i], depth + 1) for i, child in enumerate(item))
        elif isinstance(item, str) and (problem := _string_problem(item)) is not None:
            raise JsonProblem("invalid_string", _pointer(path), problem)


def loads(raw: bytes | str, max_depth: int = MAX_DEPTH) -> Any:
    """The decoded value, or JsonProblem (code `invalid_json`, `invalid_number`, `duplicate_key`,
    `too_deep` or `invalid_string`)."""
    try:
        value = json.loads(
            raw,
            parse_int=_parse_int,
            parse_float=_parse_float,
            parse_constant=_parse_constant,
            object_pairs_hook=_no_duplicates,
        )
    except JsonProblem:
        raise
    except RecursionError:
        raise JsonProblem("too_deep", "", f"JSON may nest at most {max_depth} levels") from None
    except json.JSONDecodeError as exc:
        raise JsonProblem(
            "invalid_json", "", f"line {exc.lineno} column {exc.colno}: invalid JSON: {exc.msg}"
        ) from None
    except (ValueError, UnicodeDecodeError):
        raise JsonProblem("invalid_json", "", "invalid JSON: not UTF-8 text") from None
    if deeper_than(value, max_depth) or _may_hold_bad_strings(raw):
        check_value(value, max_depth)  # the precise walk: names the path at fault
    return value


# A lone surrogate or NUL reaches a decoded string from bytes only through a \u escape.
_SUSPECT_ESCAPE = re.compile(rb"\\u(?:[dD][89a-fA-F]|0000)")
_SUSPECT_ESCAPE_TEXT = re.compile(r"\\u(?:[dD][89a-fA-F]|0000)")


def _may_hold_bad_strings(raw: bytes | str) -> bool:
    """False when no string in `raw` can hold a lone surrogate or NUL: a screen in C that spares
    the walk over every value of a large body (a few ms for 5 MB instead of a hundred)."""
    if isinstance(raw, bytes):
        return _SUSPECT_ESCAPE.search(raw) is not None
    try:
        raw.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return _SUSPECT_ESCAPE_TEXT.search(raw) is not None


def deeper_than(value: Any, max_depth: int) -> bool:
    """Whether containers nest past `max_depth`, level by level, looking only at containers."""
    level, depth = [value], 0
    while level:
        depth += 1
        nested: list[Any] = []
        for container in level:
            if type(container) is dict:
                container = container.values()
            elif type(container) is not list:
                continue
            nested.extend(x for x in container if type(x) is dict or type(x) is list)
        if nested and depth >= max_depth:
            return True
        level = nested
    return False
