"""Stored rows as JSON, where one unreadable row never breaks the tenant's reads.

A row that cannot be rendered as JSON (a value stored before a rule existed, say an infinite time:
JSON has no infinity) would make every page that holds it a 500, for good. In a list it is skipped
and reported in a log line with its id (gateway_rows_left_out_total); the page carries the rest.
Read on its own, it is answered with null where JSON has no number, and reported
(gateway_resources_answered_with_nulls_total), so its owner can see (and delete) it. Only the
error JSON raises for such a number is caught: a view that fails otherwise is a bug, and a 500.
The common case costs nothing extra: the JSON is rendered at once, and only when that fails is it
checked row by row.
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
LEFT_OUT = Counter(
    "gateway_rows_left_out_total",
    "Rows left out of a list page because they hold a number JSON cannot carry (NaN, infinity)",
    ["kind"],
)
NULLED = Counter(
    "gateway_resources_answered_with_nulls_total",
    "Single resources answered with null in place of a number JSON cannot carry (NaN, infinity)",
    ["kind"],
)


def _encodable(rendered: dict[str, Any]) -> bool:
    """Whether JSON can carry every number in it; the ValueError is what json raises for NaN and infinity
    with allow_nan=False (as JSONResponse renders). Any other error is a bug in the view and propagates."""
    try:
        json.dumps(rendered, allow_nan=False)
    except ValueError:
        return False
    return True


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def resource_response(
    kind: str, content: dict[str, Any], status_code: int = 200, headers: dict[str, str] | None = None
) -> JSONResponse:
    try:
        return JSONResponse(content, status_code=status_code, headers=headers)
    except ValueError:  # JSONResponse renders with allow_nan=False
        NULLED.labels(kind).inc()
        log.error("unreadable number answered as null", extra={"kind": kind})
        return JSONResponse(_finite(content), status_code=status_code, headers=headers)


def page_response(
    kind: str, items: Sequence[T], render: Callable[[T], dict[str, Any]], next_cursor: str
) -> JSONResponse:
    rendered = [(item, render(item)) for item in items]  # a view's own error is a 500, never a skipped row
    try:
        return JSONResponse({"items": [content for _, content in rendered], "nextCursor": next_cursor or None})
    except ValueError:
        pass
    page = []
    for item, content in rendered:
        if _encodable(content):
            page.append(content)
        else:
            LEFT_OUT.labels(kind).inc()
            log.error("unreadable row left out of a list", extra={"kind": kind, "rowId": getattr(item, "id", "")})
    return JSONResponse({"items": page, "nextCursor": next_cursor or None})
