"""What every provider adapter returns or raises, whatever its SDK.

An adapter makes exactly one HTTP call per `complete` (its SDK's own retries are off) and turns
the SDK's answer into a `Completion`, or its error into `TransientFailure` (worth retrying after a
backoff) or `FatalFailure` (a request the API will never accept). The retry loop in `llm` knows
nothing of either SDK.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from services.renderer.prompt import Conversation

TOOL_NAME = "write_report"
_DETAIL_CHARS = 300


@dataclass(frozen=True)
class Completion:
    """One answer. `text` is the JSON the model wrote (or whatever it wrote instead);
    `problem` says why the answer is unusable before parsing it: a refusal, a truncation,
    no tool call."""

    model: str
    text: str
    problem: str | None = None


class TransientFailure(Exception):
    def __init__(self, message: str, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class FatalFailure(Exception):
    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class Provider(Protocol):
    name: str

    async def complete(self, conversation: Conversation, schema: dict[str, Any],
                       model: str) -> Completion: ...

    async def aclose(self) -> None: ...


def failure_from_status(status: int, headers: Mapping[str, str] | None,
                        detail: str) -> TransientFailure | FatalFailure:
    """408, 409, 429 and 5xx (529 overloaded included) are transient; other statuses are not."""
    message = f"HTTP {status}: {_short(detail)}"
    if status in (408, 409, 429) or status >= 500:
        return TransientFailure(message, retry_after_seconds(headers or {}))
    return FatalFailure(message, status)


def retry_after_seconds(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """The wait a response asks for: `retry-after-ms`, else `retry-after` (seconds or a date)."""
    lowered = {k.lower(): v for k, v in headers.items()}
    try:
        if "retry-after-ms" in lowered:
            return max(0.0, float(lowered["retry-after-ms"]) / 1000)
        raw = lowered.get("retry-after")
        if raw is None:
            return None
        try:
            return max(0.0, float(raw))
        except ValueError:
            when = email.utils.parsedate_to_datetime(raw).timestamp()
            return max(0.0, when - (time.time() if now is None else now))
    except (TypeError, ValueError):
        return None


def _short(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= _DETAIL_CHARS else text[: _DETAIL_CHARS - 3] + "..."
