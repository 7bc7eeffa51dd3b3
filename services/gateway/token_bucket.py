"""A token bucket kept as one number: the generic cell rate algorithm (GCRA).

A bucket of `burst` tokens refilled at `rps` a second is the same as a "theoretical arrival time"
(TAT): the moment the bucket would be full again if no request came. Each request moves the TAT
one interval (1/rps) later; a request that would move it more than `burst` intervals past now finds
the bucket empty. One float per tenant is all the shared state there is, so a compare-and-set on it
(services/gateway/rate_limiter.py) is the whole critical section. Pure: time is an argument.

What the answer tells the client (IETF draft-ietf-httpapi-ratelimit-headers-06, whose three fields
are the widely deployed ones): RateLimit-Limit is the bucket's size, RateLimit-Remaining the whole
tokens left after this request, RateLimit-Reset the seconds (delta-seconds, rounded up) until the
bucket is full again; a refused request also gets Retry-After, the seconds until one token is back.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Decision:
    allowed: bool
    tat: float  # the TAT to store (allowed) or the one found (refused)
    limit: int
    remaining: int
    reset_s: int
    retry_after_s: int  # 0 when allowed

    def headers(self) -> dict[str, str]:
        headers = {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset_s),
        }
        if not self.allowed:
            headers["Retry-After"] = str(self.retry_after_s)
        return headers


def _whole_seconds(seconds: float) -> int:
    # A hair of float error must not turn 2.0 into 3.
    return max(0, math.ceil(round(seconds, 6)))


def decide(stored_tat: float | None, now: float, rps: float, burst: int) -> Decision:
    interval = 1.0 / rps
    capacity = burst * interval  # a full bucket, in seconds of refill
    tat = now if stored_tat is None else max(stored_tat, now)
    new_tat = tat + interval
    if new_tat - now > capacity + 1e-9:
        # Refused: nothing is spent. One token is back when new_tat - capacity has passed.
        return Decision(
            False, tat, burst, 0, _whole_seconds(tat - now), max(1, _whole_seconds(new_tat - capacity - now))
        )
    remaining = math.floor(round((capacity - (new_tat - now)) / interval, 6))
    return Decision(True, new_tat, burst, max(0, remaining), _whole_seconds(new_tat - now), 0)


def decide_many(stored_tat: float | None, now: float, rps: float, burst: int, count: int) -> list[Decision]:
    """`count` requests one after another at `now`: each spends a token while one is left. The
    TAT to store is the last allowed one's (all refused: nothing to store)."""
    decisions = []
    tat = stored_tat
    for _ in range(count):
        decision = decide(tat, now, rps, burst)
        decisions.append(decision)
        if decision.allowed:
            tat = decision.tat
    return decisions
