"""Stored rows as JSON, where one unreadable row never breaks the tenant's reads.

A row that cannot be rendered as JSON (a value stored before a rule existed, say an infinite time:
JSON has no infinity) would make every page that holds it a 500, for good. In a list it is skipped
and reported in a log line with its id; the page carries the rest. Read on its own, it is answered
with null where JSON has no number, and reported, so its owner can see (and delete) it. The common
case costs nothing extra: the JSON is rendered at once, and only when that fails is it done again.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from prometheus_client import Counter
from starlette.responses import JSONResponse

T = TypeVar("T")
log = logging.getLogger(__name__)
SKIPPED = Counter("gateway_unreadable_rows_total", "Rows left out of a list because they cannot be rendered",
                  ["kind"])


def _readable(render: Callable[[T], dict[str, Any]], item: T, kind: str) -> dict[str, Any] | None:
    try:
        rendered = render(item)
        json.dumps(rendered, allow_nan=False)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        SKIPPED.labels(kind).inc()
        log.error("unreadable row left out of a list", extra={"kind": kind, "rowId": getattr(item, "id", ""),
                                                               "error": type(exc).__name__})
        return None
    return rendered


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def resource_response(kind: str, content: dict[str, Any], status_code: int = 200,
                      headers: dict[str, str] | None = None) -> JSONResponse:
    try:
        return JSONResponse(content, status_code=status_code, headers=headers)
    except ValueError:
        SKIPPED.labels(kind).inc()
        log.error("unreadable number answered as null", extra={"kind": kind})
        return JSONResponse(_finite(content), status_code=status_code, headers=headers)


def page_response(kind: str, items: Sequence[T], render: Callable[[T], dict[str, Any]],
                  next_cursor: str) -> JSONResponse:
    try:
        return JSONResponse({"items": [render(i) for i in items], "nextCursor": next_cursor or None})
    except (ValueError, TypeError, KeyError, AttributeError):
        readable = [r for i in items if (r := _readable(render, i, kind)) is not None]
        return JSONResponse({"items": readable, "nextCursor": next_cursor or None})
