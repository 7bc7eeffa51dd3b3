"""The dev LLM's own limit on requests a minute (DEVLLM_RPM), enforced as the providers do.

A token bucket per model (Anthropic: "the token bucket algorithm ... your capacity is continuously
replenished up to your maximum limit, rather than being reset at fixed intervals", docs:
api/rate-limits) holding one second's worth of requests, as OpenAI enforces a per-minute limit over
shorter periods ("60,000 requests/minute may be enforced as 1,000 requests/second", docs:
guides/rate-limits). A request over it is answered 429 in each API's own shape (OpenAI: type
`requests`, code `rate_limit_exceeded`, docs: guides/error-codes; Anthropic: `rate_limit_error` with
`retry-after`, docs: api/errors and api/rate-limits), with the rate-limit headers saying the request
limit is spent and when it resets. Unset (0): no limit.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int  # requests a minute
    remaining: int  # whole requests left in the bucket after this one
    reset_s: float  # until one more request is allowed (refused) or the bucket is full (allowed)


class RequestLimit:
    def __init__(self, rpm: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rpm = rpm
        self._capacity = max(1.0, math.floor(rpm / 60))
        self._rate = rpm / 60.0
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # model -> (level, when)

    def take(self, model: str) -> Decision:
        now = self._clock()
        level, when = self._buckets.get(model, (self._capacity, now))
        level = min(self._capacity, level + (now - when) * self._rate)
        if level < 1.0:
            self._buckets[model] = (level, now)
            return Decision(False, self.rpm, 0, (1.0 - level) / self._rate)
        level -= 1.0
        self._buckets[model] = (level, now)
        return Decision(True, self.rpm, int(level), (self._capacity - level) / self._rate)
