"""Resource ids: a type prefix and a time-ordered body, so ids sort by creation and page well."""

from __future__ import annotations

import secrets
import time

_last_micros = 0


def new_id(prefix: str) -> str:
    global _last_micros
    micros = max(time.time_ns() // 1000, _last_micros + 1)
    _last_micros = micros
    return f"{prefix}_{micros:014x}{secrets.token_hex(6)}"
