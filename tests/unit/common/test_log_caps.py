"""A log line quotes at most a bounded part of any value, whatever a client sent."""

from __future__ import annotations

import json
import logging

from services.common.logs import MAX_EXC_CHARS, MAX_FIELD_CHARS, JsonFormatter


def _record(msg: str, **extra: object) -> logging.LogRecord:
    record = logging.LogRecord("t", logging.INFO, __file__, 1, msg, None, None)
    record.__dict__.update(extra)
    return record


def test_a_huge_message_and_extra_are_cut_to_a_bounded_line():
    line = JsonFormatter("svc").format(_record("m" * 1_000_000, body="b" * 1_000_000, count=3))
    assert len(line) < 3 * MAX_FIELD_CHARS
    data = json.loads(line)
    assert data["msg"].endswith("(1000000 characters)") and data["count"] == 3


def test_a_huge_exception_is_cut():
    try:
        raise ValueError("e" * 1_000_000)
    except ValueError:
        import sys

        record = logging.LogRecord("t", logging.ERROR, __file__, 1, "boom", None, sys.exc_info())
    line = JsonFormatter("svc").format(record)
    assert len(line) < MAX_EXC_CHARS + 1000
