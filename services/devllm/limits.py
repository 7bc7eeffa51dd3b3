"""The rate-limit headers both APIs send on every answer, in each one's format.

OpenAI (docs: guides/rate-limits, "Rate limits in headers"): `x-ratelimit-{limit,remaining,
reset}-{requests,tokens}`, resets as durations (`1s`, `6m0s`). Anthropic (docs: api/rate-limits,
"Response headers"): `anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-{limit,
remaining,reset}`, resets as RFC 3339 times. The dev LLM never runs out, except when
`fail=429_bare` says the request limit is spent until `spent_ms` from now.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

REQUESTS, TOKENS = 10_000, 2_000_000


def headers(
    provider: str, spent_ms: int | None, now: float | None = None, requests: tuple[int, int, float] | None = None
) -> dict[str, str]:
    """`requests`: (limit, remaining, seconds to reset) of the dev LLM's own request limit
    (DEVLLM_RPM, request_limit.py), which the request headers then report."""
    reset_s = (spent_ms or 0) / 1000 if spent_ms is not None else 0.006
    limit, left = REQUESTS, "0" if spent_ms is not None else str(REQUESTS - 1)
    if requests is not None and spent_ms is None:
        limit, left, reset_s = requests[0], str(requests[1]), requests[2]
    if provider == "openai":
        return {
            "x-ratelimit-limit-requests": str(limit),
            "x-ratelimit-remaining-requests": left,
            "x-ratelimit-reset-requests": _duration(reset_s),
            "x-ratelimit-limit-tokens": str(TOKENS),
            "x-ratelimit-remaining-tokens": str(TOKENS),
            "x-ratelimit-reset-tokens": "0s",
        }
    clock = time.time() if now is None else now
    request_reset = _stamp(clock + (reset_s if spent_ms is not None or requests is not None else 0))
    token_reset = _stamp(clock)
    out = {
        "anthropic-ratelimit-requests-limit": str(limit),
        "anthropic-ratelimit-requests-remaining": left,
        "anthropic-ratelimit-requests-reset": request_reset,
    }
    for kind in ("tokens", "input-tokens", "output-tokens"):
        out |= {
            f"anthropic-ratelimit-{kind}-limit": str(TOKENS),
            f"anthropic-ratelimit-{kind}-remaining": str(TOKENS),
            f"anthropic-ratelimit-{kind}-reset": token_reset,
        }
    return out


def _duration(seconds: float) -> str:
    if seconds < 1:
        return f"{round(seconds * 1000)}ms"
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes)}m{rest:g}s" if minutes else f"{rest:g}s"


def _stamp(when: float) -> str:
    return datetime.fromtimestamp(when, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
