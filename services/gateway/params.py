"""Path and query parameters, checked before any backend sees them.

An id in a path that no id could be (wrong characters, longer than 64) answers 404 as a missing
resource would, so it never reaches a backend (where a megabyte-long id became a megabyte of
gRPC metadata). Numbers are ASCII digits of bounded length (`"²".isdigit()` is True in Python),
cursors are short URL-safe base64.
"""

from __future__ import annotations

import re

from starlette.requests import Request

from services.common.rpc_errors import FieldProblem
from services.common.strict_json import quote
from services.gateway.errors import ApiError

ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
CURSOR = re.compile(r"[A-Za-z0-9_-]{1,128}")
MAX_LIMIT = 100
MAX_EVENT_ID = 2**63 - 1  # a JetStream sequence (a uint64; no stream gets past this)


def resource_id(request: Request, name: str, what: str) -> str:
    """`request.path_params[name]`, or 404 `<what>_not_found` when no id could look like it."""
    value = request.path_params[name]
    if not ID.fullmatch(value):
        raise ApiError(404, f"{what}_not_found", f"{what} {quote(value)} not found")
    return str(value)


def ascii_digits(raw: str, max_digits: int) -> int | None:
    """The number `raw` spells in ASCII digits, or None (also for '²', '٣' and overlong runs)."""
    if not raw or len(raw) > max_digits or not (raw.isascii() and raw.isdigit()):
        return None
    return int(raw)


def limit(request: Request) -> int:
    """?limit=1..100; 0 when absent (the backend's default)."""
    raw = request.query_params.get("limit")
    if raw is None or raw == "":
        return 0
    value = ascii_digits(raw, 3)
    if value is None or not 1 <= value <= MAX_LIMIT:
        raise ApiError(
            400,
            "invalid_request",
            f"limit must be an integer from 1 to {MAX_LIMIT}",
            [FieldProblem("?limit", f"must be an integer from 1 to {MAX_LIMIT}")],
        )
    return value


def cursor(request: Request) -> str:
    """?cursor= as a list answered it; anything else is 400 invalid_cursor."""
    raw = request.query_params.get("cursor", "")
    if raw and not CURSOR.fullmatch(raw):
        raise ApiError(
            400,
            "invalid_cursor",
            "cursor is not one this API returned",
            [FieldProblem("?cursor", "is not one this API returned")],
        )
    return raw


def last_event_id(request: Request) -> int | None:
    """The SSE `Last-Event-ID` header as a stream sequence; None when absent or not one."""
    value = ascii_digits(request.headers.get("last-event-id", "").strip(), len(str(MAX_EVENT_ID)))
    return value if value is not None and value <= MAX_EVENT_ID else None
