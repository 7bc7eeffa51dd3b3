"""A circuit breaker per LLM route: a streak of outages opens it for a cool-down.

Closed: calls go. `failures` outages in a row (5xx, 529, no answer, a cut stream; services/renderer/
providers/base.py `TransientFailure.outage`) open it for `cooldown_s`: jobs start on the next route.
Once the cool-down has passed it is half-open: calls go again, the first success closes it, one
more outage opens it for another cool-down. Each renderer process keeps its own circuits (a
provider's outage shows to every renderer within a few calls; nothing to share or clean up).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class CircuitSettings:
    failures: int = 5
    cooldown_s: float = 30.0


class Circuit:
    def __init__(
        self, settings: CircuitSettings = CircuitSettings(), clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._settings = settings
        self._clock = clock
        self._streak = 0
        self._open_until: float | None = None

    def closed(self) -> bool:
        """Whether calls may go (closed, or half-open once the cool-down has passed)."""
        return self._open_until is None or self._clock() >= self._open_until

    def opens_in(self) -> float:
        return 0.0 if self._open_until is None else max(0.0, self._open_until - self._clock())

    def succeeded(self) -> None:
        self._streak, self._open_until = 0, None

    def failed(self) -> bool:
        """One more outage; True when it opens the circuit now."""
        self._streak += 1
        half_open = self._open_until is not None
        if self._streak >= self._settings.failures or half_open:
            self._open_until = self._clock() + self._settings.cooldown_s
            return True
        return False
