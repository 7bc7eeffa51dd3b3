"""The resolver's inputs and its answer: plain, frozen values with no transport in them."""

from __future__ import annotations

from dataclasses import dataclass

from services.domain.segments import Segment

STRATEGIES = ("dominant", "timerange", "entity_id", "magic_hint")
ON_MISS = ("error", "fallback_dominant")


@dataclass(frozen=True)
class Speaker:
    id: str
    label: str | None
    description: str | None
    speaking_sec: float
    words: int
    first_spoke_at: float


@dataclass(frozen=True)
class TargetSpec:
    strategy: str
    on_miss: str = "error"
    entity_id: str | None = None
    hint: str | None = None
    start_seconds: float | None = None
    end_seconds: float | None = None


@dataclass(frozen=True)
class Resolution:
    """Who the target is and why.

    `strategy` is the strategy that produced the pick: the requested one, or "dominant" when the
    requested one missed and `on_miss="fallback_dominant"` (then `fell_back` is True).
    `confidence` is in 0..1 (see `services.resolver.resolve` for how each strategy computes it).
    `reason` is one human-readable line. `evidence` is the target's segments and the turns that
    prompted them, in time order, within the character budget.
    """

    entity_id: str
    strategy: str
    fell_back: bool
    confidence: float
    reason: str
    evidence: tuple[Segment, ...]
