"""What a unit of work is about (request id, tenant, job id), carried through asyncio tasks.

Set once where work enters a service (an HTTP request, a gRPC call, a NATS message); read by the
log formatter and by whatever calls the next service (gRPC metadata, NATS headers).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable, Iterator, Mapping
from contextvars import ContextVar

REQUEST_ID_KEY = "x-request-id"
JOB_ID_KEY = "x-job-id"
TENANT_KEY = "x-tenant"

_fields: ContextVar[dict[str, str]] = ContextVar("work_context", default={})  # noqa: B039 - never mutated: every set() gets a new dict
_LOG_NAMES = {"request_id": "requestId", "tenant": "tenant", "job_id": "jobId"}
_METADATA_NAMES = {"request_id": REQUEST_ID_KEY, "tenant": TENANT_KEY, "job_id": JOB_ID_KEY}


def current() -> dict[str, str]:
    return _fields.get()


@contextlib.contextmanager
def bound(**fields: str | None) -> Iterator[None]:
    """Adds fields (request_id, tenant, job_id) for the code inside; empty values are ignored."""
    token = _fields.set({**_fields.get(), **{k: v for k, v in fields.items() if v}})
    try:
        yield
    finally:
        _fields.reset(token)


def bind(**fields: str | None) -> None:
    """Adds fields for the rest of the current task (use where a `with` block does not fit)."""
    _fields.set({**_fields.get(), **{k: v for k, v in fields.items() if v}})


def metadata() -> list[tuple[str, str]]:
    """The context as gRPC metadata or message headers."""
    return [(_METADATA_NAMES[k], v) for k, v in _fields.get().items()]


def from_pairs(pairs: Mapping[str, object] | Iterable[tuple[str, object]] | None) -> dict[str, str]:
    """Context fields from gRPC metadata or message headers."""
    wanted = {v: k for k, v in _METADATA_NAMES.items()}
    found: dict[str, str] = {}
    for key, value in pairs.items() if isinstance(pairs, Mapping) else pairs or ():
        name = wanted.get(str(key).lower())
        if name and isinstance(value, str) and value:
            found[name] = value
    return found


class ContextFilter(logging.Filter):
    """Puts the context on every log record, so every line of a job says which job."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in _fields.get().items():
            name = _LOG_NAMES[key]
            if not hasattr(record, name):
                setattr(record, name, value)
        return True
