"""The audit log: one record per deletion (by request or by retention), readable by its tenant.

A record says what was deleted, how many derived objects went with it, why, by which API key's
id (the gateway's digest of the key, never the key) and when. It is written in the transaction
that deletes, so there is no deletion without its record.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from services.common import ids
from services.common.timeutil import utcnow
from services.store import paging, records
from services.store.records import Audit
from services.store.tables import AUDIT

REQUEST = "request"
RETENTION = "retention"
_ADD = insert(AUDIT)


def values(
    tenant: str,
    object_type: str,
    object_id: str,
    *,
    reason: str,
    api_key_id: str | None,
    derived: dict[str, int],
    at: datetime | None = None,
) -> dict[str, Any]:
    """An audit row's values (insert many at once for a batch)."""
    return {
        "id": ids.new_id("aud"),
        "tenant": tenant,
        "action": "delete",
        "object_type": object_type,
        "object_id": object_id,
        "reason": reason,
        "api_key_id": api_key_id or None,
        "derived": derived,
        "created_at": at or utcnow(),
    }


def record(connection: Connection, row: dict[str, Any]) -> Audit:
    """Keeps one audit row (`values`) and returns it as the record."""
    connection.execute(_ADD, row)
    return Audit(**row)


def list_page(connection: Connection, tenant: str, limit: int, cursor: str) -> tuple[list[Audit], str]:
    rows, next_cursor = paging.page(
        connection, select(AUDIT).where(AUDIT.c.tenant == tenant), AUDIT.c.id, limit, cursor
    )
    return [records.of_row(Audit, row) for row in rows], next_cursor
