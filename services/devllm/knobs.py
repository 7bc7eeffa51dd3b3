"""Per-request knobs that make the dev LLM slow or make it fail.

Knobs come from a model-name suffix, `dev-llm+latency=2000+fail=429*2`, and from the header
`x-dev-llm: latency=2000; fail=not_json*1`; a key in the header wins over the same key in the
model name. Keys:

    latency=MS           wait MS milliseconds before answering
    fail=MODE[*N]        fail with MODE, only the first N times a conversation is seen if *N
    retry_after=MS       the delay a 429 asks for (default 1000: `Retry-After: 1`); with
                         fail=429_bare no retry-after is sent, only the rate-limit headers
                         saying the request limit is spent and resets in MS
    should_retry=BOOL    send `x-should-retry: true|false` with the answer
    speed=N              stream at N tokens a second (default: DEVLLM_TOKENS_PER_S, 0 = at once)
    stall=MS             hold a stream for MS milliseconds half way, once

Modes beyond the HTTP errors: `quota` (OpenAI 429 insufficient_quota / Anthropic 400 "credit
balance is too low"), `content_filter` (OpenAI finish_reason content_filter; Anthropic refusal),
`context_overflow` (OpenAI 400 context_length_exceeded; Anthropic stop_reason
model_context_window_exceeded).

MODE is one of FAIL_MODES. Anything else is a `KnobError` (a 400 for the caller).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TypedDict

HEADER = "x-dev-llm"
FAIL_MODES = (
    "429",
    "429_bare",
    "quota",
    "500",
    "529",
    "hang",
    "not_json",
    "bad_schema",
    "refusal",
    "truncate",
    "invent_quote",
    "no_quotes",
    "content_filter",
    "context_overflow",
)
_MAX_MS = 3_600_000


class KnobError(ValueError):
    """A knob the dev LLM does not understand."""


@dataclass(frozen=True)
class Fail:
    mode: str
    times: int | None = None  # None: every time

    def __str__(self) -> str:
        return self.mode if self.times is None else f"{self.mode}*{self.times}"


@dataclass(frozen=True)
class Knobs:
    latency_ms: int | None = None
    fail: Fail | None = None
    retry_after_ms: int | None = None
    should_retry: bool | None = None
    speed: int | None = None
    stall_ms: int | None = None


class _Given(TypedDict, total=False):
    """The knobs a request names, by their `Knobs` field."""

    latency_ms: int
    fail: Fail
    retry_after_ms: int
    should_retry: bool
    speed: int
    stall_ms: int


def split_model(model: str) -> tuple[str, str]:
    """(`dev-llm`, `latency=5+fail=500`) from `dev-llm+latency=5+fail=500`."""
    base, _, suffix = model.partition("+")
    return base.strip(), suffix


def parse_knobs(model: str, header: str | None) -> Knobs:
    """The knobs of one request; header values override model-suffix values key by key."""
    knobs = _parse(split_model(model)[1], "+", "model name")
    if header:
        header_knobs = _parse(header, ";", f"{HEADER} header")
        knobs = replace(knobs, **{k: v for k, v in vars(header_knobs).items() if v is not None})
    return knobs


def _parse(text: str, separator: str, where: str) -> Knobs:
    values: _Given = {}
    for part in text.split(separator):
        part = part.strip()
        if not part:
            continue
        key, eq, value = (s.strip() for s in part.partition("="))
        if not eq or not value:
            raise KnobError(f"dev-llm knob {part!r} in the {where} is not key=value")
        if key == "latency":
            values["latency_ms"] = _milliseconds(value, key, where)
        elif key == "retry_after":
            values["retry_after_ms"] = _milliseconds(value, key, where)
        elif key == "speed":
            if not value.isdigit() or not 1 <= int(value) <= 100_000:
                raise KnobError(f"dev-llm knob speed={value!r} in the {where} must be whole tokens a second, 1..100000")
            values["speed"] = int(value)
        elif key == "stall":
            values["stall_ms"] = _milliseconds(value, key, where)
        elif key == "should_retry":
            if value not in ("true", "false"):
                raise KnobError(f"dev-llm knob should_retry={value!r} in the {where} must be true or false")
            values["should_retry"] = value == "true"
        elif key == "fail":
            values["fail"] = _fail(value, where)
        else:
            raise KnobError(
                f"unknown dev-llm knob {key!r} in the {where}; known: latency, fail, retry_after, "
                "should_retry, speed, stall"
            )
    return Knobs(**values)


def _fail(value: str, where: str) -> Fail:
    mode, star, times = (s.strip() for s in value.partition("*"))
    if mode not in FAIL_MODES:
        raise KnobError(f"unknown dev-llm fail mode {mode!r} in the {where}; known: {', '.join(FAIL_MODES)}")
    if not star:
        return Fail(mode)
    if not times.isdigit() or int(times) < 1:
        raise KnobError(f"dev-llm fail count {times!r} in the {where} must be a whole number >= 1")
    return Fail(mode, int(times))


def _milliseconds(value: str, key: str, where: str) -> int:
    if not value.isdigit() or int(value) > _MAX_MS:
        raise KnobError(f"dev-llm knob {key}={value!r} in the {where} must be whole milliseconds, 0..{_MAX_MS}")
    return int(value)
