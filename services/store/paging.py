"""Cursor pagination, newest first. Ids sort by creation time, so the cursor is the last id seen."""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from typing import Any, TypeAlias

from sqlalchemy import ColumnElement, Select
from sqlalchemy.engine import Connection

from services.common.rpc_errors import invalid
from services.store.records import AnyRow

DEFAULT_LIMIT = 20
MAX_LIMIT = 100

# A select of any columns (SQLAlchemy types a select by its columns).
AnySelect: TypeAlias = "Select[*tuple[Any, ...]]"


def encode_cursor(last_id: str) -> str:
    return base64.urlsafe_b64encode(last_id.encode()).decode().rstrip("=")


_ID = re.compile(r"^[a-z]{3}_[0-9a-f]{26}$")


def decode_cursor(cursor: str) -> str:
    try:
        last_id = base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_", validate=True).decode()
    except (ValueError, UnicodeDecodeError):
        last_id = ""
    if not _ID.match(last_id):
        raise invalid("invalid_cursor", "cursor is not one this API returned")
    return last_id


def clamp_limit(limit: int) -> int:
    if limit < 0:
        raise invalid("invalid_limit", "limit must be between 1 and 100")
    return min(limit or DEFAULT_LIMIT, MAX_LIMIT)


def page(
    connection: Connection, query: AnySelect, id_column: ColumnElement[str], limit: int, cursor: str
) -> tuple[Sequence[AnyRow], str]:
    limit = clamp_limit(limit)
    if cursor:
        query = query.where(id_column < decode_cursor(cursor))
    rows = connection.execute(query.order_by(id_column.desc()).limit(limit + 1)).all()
    if len(rows) > limit:
        return rows[:limit], encode_cursor(rows[limit - 1].id)
    return rows, ""
