"""Provider budgets: requests and tokens a minute per provider and model, and the arithmetic of
spending them. Pure: time is an argument; the shared state lives in services/renderer/shared_budget.py.

    REPORTS_LLM_LIMITS="openai:gpt-6.1-sol=rpm:500,tpm:200000;anthropic:claude-sonnet-5-5=rpm:50"

Each limit is a generic cell rate algorithm (GCRA) schedule kept as one number, the "theoretical
arrival time" (TAT) of the next call: a call costing `n` units moves it `n * 60 / per_minute`
seconds on. Unlike the gateway's bucket (services/gateway/token_bucket.py), which refuses, a
renderer *reserves*: it moves the TAT and waits until its slot, so the waiting jobs of every
renderer replica line up in one schedule and none calls early. The burst is one unit (requests) or
one second's worth (tokens): calls are spread evenly over the minute, as providers enforce their
per-minute limits over shorter periods (OpenAI: "60,000 requests/minute may be enforced as 1,000
requests/second", docs: guides/rate-limits; Anthropic: a token bucket "continuously replenished",
docs: api/rate-limits).

What providers say in their rate-limit headers moves the schedule later, never earlier: a limit
whose `remaining` is 0 with its `reset` S in S seconds (or a 429 asking to wait S) means nothing is
sent by any renderer before then (`not_before`), whether or not that model has a configured budget.
On an answer (not a 429) to a model with an rpm budget, the hold is one interval (hold_back).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

from services.common.env import ConfigError

LIMITS_VAR = "REPORTS_LLM_LIMITS"
_INTEGER = re.compile(r"^[0-9]{1,12}$")
_PROVIDERS = ("openai", "anthropic")


@dataclass(frozen=True)
class Budget:
    rpm: int | None = None
    tpm: int | None = None


@dataclass(frozen=True)
class Schedule:
    """The shared state of one provider and model: the requests' and tokens' TATs and the time
    before which nothing may be sent (wall-clock seconds; 0 when unset)."""

    requests: float = 0.0
    tokens: float = 0.0
    not_before: float = 0.0

    def encode(self) -> bytes:
        return f"{self.requests!r} {self.tokens!r} {self.not_before!r}".encode()

    @classmethod
    def decode(cls, raw: bytes | None) -> Schedule:
        try:
            requests, tokens, not_before = (float(x) for x in (raw or b"").split())
        except ValueError:
            return cls()
        return cls(requests, tokens, not_before)


def parse(environ: Mapping[str, str]) -> dict[tuple[str, str], Budget]:
    """{(provider, model): Budget} from REPORTS_LLM_LIMITS; a bad entry is a ConfigError."""
    raw = environ.get(LIMITS_VAR, "").strip()
    budgets: dict[tuple[str, str], Budget] = {}
    for entry in (e.strip() for e in raw.split(";")):
        if not entry:
            continue
        route, sep, text = entry.partition("=")
        provider, colon, model = route.strip().partition(":")
        if not sep or not colon or provider not in _PROVIDERS or not model.strip() or not text.strip():
            raise ConfigError(
                f"{LIMITS_VAR} entries look like openai:MODEL=rpm:500,tpm:200000 (provider openai "
                f"or anthropic) separated by ';', got {entry[:80]!r}"
            )
        key = (provider, model.strip())
        if key in budgets:
            raise ConfigError(f"{LIMITS_VAR}: {provider}:{model.strip()} is named twice")
        values: dict[str, int] = {}
        for part in text.split(","):
            name, colon, number = (s.strip() for s in part.partition(":"))
            if not colon or name not in ("rpm", "tpm") or name in values:
                raise ConfigError(
                    f"{LIMITS_VAR}: {provider}:{model.strip()} has {part.strip()!r}; use rpm:N and/or tpm:N, each once"
                )
            if not _INTEGER.match(number) or int(number) < 1:
                raise ConfigError(
                    f"{LIMITS_VAR}: {name} for {provider}:{model.strip()} must be a positive integer, got {number!r}"
                )
            values[name] = int(number)
        budgets[key] = Budget(**values)
    return budgets


@dataclass(frozen=True)
class Reservation:
    schedule: Schedule  # to store
    wait_s: float  # until the reserved call may go


def reserve(schedule: Schedule, budget: Budget, tokens: int, now: float) -> Reservation:
    """One call of about `tokens` tokens, reserved at the earliest moment both limits allow."""
    start = max(now, schedule.not_before)
    requests, tokens_tat = schedule.requests, schedule.tokens
    if budget.rpm:
        interval = 60.0 / budget.rpm
        requests = max(requests, start) + interval
        start = max(start, requests - interval)  # burst of one: the slot this call takes
    if budget.tpm and tokens > 0:
        interval = 60.0 / budget.tpm
        burst = budget.tpm / 60.0 * interval  # one second's worth, in seconds of refill
        tokens_tat = max(tokens_tat, start) + tokens * interval
        start = max(start, tokens_tat - max(burst, tokens * interval))
    return Reservation(Schedule(requests, tokens_tat, schedule.not_before), max(0.0, start - now))


def settle(schedule: Schedule, budget: Budget, extra_tokens: int) -> Schedule:
    """After the call: the tokens it used beyond (or, negative, short of) what it reserved."""
    if not budget.tpm or extra_tokens == 0:
        return schedule
    return Schedule(schedule.requests, schedule.tokens + extra_tokens * 60.0 / budget.tpm, schedule.not_before)


@dataclass(frozen=True)
class Observed:
    """What one answer said of the provider's limits: the seconds until it takes calls again, when
    a limit is spent (a `remaining` header at 0, with its `reset`) or it asked to wait (a 429's
    `retry-after`); None when nothing is spent."""

    blocked_s: float | None = None
    answered: bool = False  # the provider took this call (a spent limit on an answer, not a 429)


def hold_back(seen: Observed, budget: Budget) -> Observed:
    """What a budget holds every renderer back for after `seen`. A 429, or a model without a budget:
    what the provider said. An answer that says a limit is spent: the provider is at its edge, not
    over it, and the `reset` it sends is when that limit is full again (OpenAI: "resets to its
    initial state"), about a second for a limit enforced per second, and waiting that long after
    every such answer idles every renderer each time calls bunch up. A budget pacing calls evenly
    waits one of its intervals instead; should the provider count in fixed windows, its next 429
    says how long."""
    if not seen.answered or seen.blocked_s is None or not budget.rpm:
        return seen
    return Observed(min(seen.blocked_s, 60.0 / budget.rpm), answered=True)


def learn(schedule: Schedule, seen: Observed, now: float) -> Schedule:
    """The schedule held back until the provider takes calls again; never moved earlier."""
    if seen.blocked_s is None:
        return schedule
    return Schedule(schedule.requests, schedule.tokens, max(schedule.not_before, now + seen.blocked_s))


def reason(provider: str, model: str, budget: Budget, wait_s: float, not_before: bool) -> str:
    limits = ",".join(f"{k}:{v}" for k, v in (("rpm", budget.rpm), ("tpm", budget.tpm)) if v)
    why = "the provider said its limit is spent" if not_before else f"the budget {limits or 'learned'} is in use"
    return (
        f"waiting {math.ceil(wait_s * 10) / 10:g}s for {provider}:{model}: {why} "
        f"({LIMITS_VAR}); the call goes when its turn comes"
    )
