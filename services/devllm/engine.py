"""What to answer: the provider-neutral core the HTTP routes delegate to.

`plan` decides, when a request arrives, how long to wait and whether this call fails (counting
`fail=MODE*N` per conversation); `answer` then writes the report and shapes the outcome the
provider module turns into that provider's JSON.
"""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass
from typing import Any, Literal

from . import faults
from .counters import SeenCounter, Stats
from .knobs import Knobs, split_model
from .prompt import Prompt
from .writer import write_report

DEFAULT_MODEL = "dev-llm-1"
_ERROR_MODES = {"429": 429, "429_bare": 429, "quota": 429, "500": 500, "529": 529}


@dataclass(frozen=True)
class Plan:
    delay_s: float
    hang: bool
    mode: str | None  # a knobs.FAIL_MODES value other than "hang", or None: answer normally
    retry_after_ms: int


@dataclass(frozen=True)
class Failure:
    """An HTTP error answer."""

    status: int
    retry_after_ms: int | None
    outcome: str


@dataclass(frozen=True)
class Answer:
    """A 200 answer. `report`: the object to return (a partial one when truncated); `text`: the
    message text (the report as JSON, the not-JSON text, the refusal, or the cut JSON)."""

    kind: Literal["report", "text", "refusal", "truncated", "filtered", "context_exceeded"]
    text: str
    outcome: str
    report: Any = None
    prompt_tokens: int = 0
    completion_tokens: int = 0


class Engine:
    def __init__(self, default_latency_ms: int = 0, seen: SeenCounter | None = None) -> None:
        self.stats = Stats()
        self._default_latency_ms = default_latency_ms
        self._seen = seen or SeenCounter()
        self._ids = itertools.count(1)

    def plan(self, prompt: Prompt, knobs: Knobs) -> Plan:
        latency = knobs.latency_ms if knobs.latency_ms is not None else self._default_latency_ms
        retry_after = knobs.retry_after_ms if knobs.retry_after_ms is not None else 1000
        mode = knobs.fail.mode if knobs.fail else None
        if knobs.fail and knobs.fail.times is not None:
            key = f"{prompt.conversation}|{knobs.fail}"
            if self._seen.see(key) >= knobs.fail.times:
                mode = None
        return Plan(latency / 1000, mode == "hang", None if mode == "hang" else mode, retry_after)

    def answer(self, prompt: Prompt, plan: Plan) -> Failure | Answer:
        if plan.mode in _ERROR_MODES:
            status = _ERROR_MODES[plan.mode]
            retry_after = plan.retry_after_ms if plan.mode == "429" else None
            return Failure(status, retry_after, plan.mode)
        if plan.mode == "content_filter":
            return self._answer(prompt, "filtered", "", "content_filter")
        if plan.mode == "context_overflow":
            return self._answer(prompt, "context_exceeded", "", "context_overflow")
        data = prompt.evidence()
        report = write_report(prompt.schema, data)
        if plan.mode == "bad_schema":
            report = faults.break_schema(report)
        elif plan.mode == "invent_quote":
            report = faults.invent_quote(report, _segment_texts(data))
        elif plan.mode == "no_quotes":
            report = faults.drop_quotes(report)
        if plan.mode == "not_json":
            return self._answer(prompt, "text", faults.NOT_JSON, "not_json")
        if plan.mode == "refusal":
            return self._answer(prompt, "refusal", faults.REFUSAL, "refusal")
        text = json.dumps(report, ensure_ascii=False)
        limit = prompt.max_tokens
        if plan.mode == "truncate" or (limit is not None and tokens(text) > limit):
            keep = limit * 4 if plan.mode is None and limit else None
            partial, cut = faults.truncate(report, keep)
            return self._answer(prompt, "truncated", cut, plan.mode or "max_tokens", partial)
        return self._answer(prompt, "report", text, plan.mode or "ok", report)

    def new_id(self, prompt: Prompt) -> str:
        """A unique response id: a sequence number and a digest of the conversation."""
        return f"{next(self._ids):06d}{prompt.conversation[:18]}"

    def _answer(self, prompt: Prompt, kind: Any, text: str, outcome: str, report: Any = None) -> Answer:
        return Answer(kind, text, outcome, report, tokens_of(prompt.size), tokens(text))


def model_name(requested: str) -> str:
    """The model to report: the requested one without knobs, always naming the dev LLM."""
    base = split_model(requested)[0]
    if not base:
        return DEFAULT_MODEL
    return base if base.startswith("dev-llm") else f"dev-llm/{base}"


def tokens(text: str) -> int:
    return tokens_of(len(text))


def tokens_of(chars: int) -> int:
    """A rough token count: four characters a token."""
    return max(1, math.ceil(chars / 4))


def _segment_texts(data: dict[str, Any] | None) -> tuple[str, ...]:
    segments = data.get("segments") if isinstance(data, dict) else None
    if not isinstance(segments, list):
        return ()
    return tuple(s["text"] for s in segments if isinstance(s, dict) and isinstance(s.get("text"), str))
