from __future__ import annotations

from datetime import UTC, datetime

from google.protobuf.timestamp_pb2 import Timestamp


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Databases without time zones (SQLite) hand back naive datetimes; ours are all UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def to_timestamp(value: datetime) -> Timestamp:
    ts = Timestamp()
    ts.FromDatetime(as_utc(value))
    return ts


def iso(ts: Timestamp | datetime) -> str:
    """ISO 8601 in UTC with milliseconds and a `Z`: `2026-11-29T10:35:55.123Z`."""
    value = ts.ToDatetime(tzinfo=UTC) if isinstance(ts, Timestamp) else as_utc(ts)
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")
