"""`resolve`: who is the target in this recording, and what is the evidence?"""

from __future__ import annotations

import math
from collections.abc import Sequence

from services.domain.segments import Segment

from . import strategies
from .errors import InvalidTarget, TargetNotFound
from .evidence import select_evidence
from .model import ON_MISS, STRATEGIES, Resolution, Speaker, TargetSpec

DEFAULT_EVIDENCE_BUDGET_CHARS = 12000
DEFAULT_HINT_THRESHOLD = 0.6


def resolve(
    segments: Sequence[Segment],
    speakers: Sequence[Speaker],
    target: TargetSpec,
    *,
    evidence_budget_chars: int = DEFAULT_EVIDENCE_BUDGET_CHARS,
    hint_threshold: float = DEFAULT_HINT_THRESHOLD,
) -> Resolution:
    """Pick the target among `speakers` (the media's entities) from `segments` (its transcript).

    Raises `InvalidTarget` for a malformed spec, and `TargetNotFound` on a miss when
    `target.on_miss == "error"`, or when the fallback to the dominant speaker misses too. The
    speaker id "unknown" (undiarized speech) is never picked. Confidence rules are documented in
    `strategies`; the evidence selection in `evidence`.
    """
    _validate(target, evidence_budget_chars, hint_threshold)
    ordered = sorted(segments, key=lambda s: s.start)  # stable; cheap when already sorted
    try:
        pick = _pick(ordered, speakers, target, hint_threshold)
        strategy, fell_back, reason = target.strategy, False, pick.reason
    except TargetNotFound as miss:
        if target.on_miss != "fallback_dominant" or target.strategy == "dominant":
            raise
        try:
            pick = strategies.dominant(speakers)
        except TargetNotFound as also:
            raise TargetNotFound(
                f"{miss.message}; fallback to dominant failed too: {also.message}",
                strategy=target.strategy,
            ) from miss
        strategy, fell_back = "dominant", True
        reason = f"{miss.message}; fell back to dominant: {pick.reason}"
    evidence = select_evidence(ordered, pick.entity_id, evidence_budget_chars)
    return Resolution(pick.entity_id, strategy, fell_back, pick.confidence, reason, evidence)


def _pick(
    segments: Sequence[Segment],
    speakers: Sequence[Speaker],
    target: TargetSpec,
    hint_threshold: float,
) -> strategies.Pick:
    if target.strategy == "dominant":
        return strategies.dominant(speakers)
    if target.strategy == "timerange":
        return strategies.timerange(segments, speakers, target.start_seconds, target.end_seconds)
    if target.strategy == "entity_id":
        assert target.entity_id is not None
        return strategies.entity_id(speakers, target.entity_id)
    assert target.hint is not None
    return strategies.magic_hint(segments, speakers, target.hint, hint_threshold)


def _validate(target: TargetSpec, budget: int, threshold: float) -> None:
    if target.strategy not in STRATEGIES:
        raise InvalidTarget(
            f"unknown strategy '{target.strategy}' (expected one of {', '.join(STRATEGIES)})",
            field="strategy",
        )
    if target.on_miss not in ON_MISS:
        raise InvalidTarget(
            f"unknown on_miss '{target.on_miss}' (expected one of {', '.join(ON_MISS)})",
            field="on_miss",
        )
    if target.strategy == "entity_id" and not (target.entity_id and target.entity_id.strip()):
        raise InvalidTarget("strategy 'entity_id' needs an entity_id", field="entity_id")
    if target.strategy == "magic_hint" and not (target.hint and target.hint.strip()):
        raise InvalidTarget("strategy 'magic_hint' needs a hint", field="hint")
    if target.strategy == "timerange":
        for name in ("start_seconds", "end_seconds"):
            value = getattr(target, name)
            if value is not None and (not math.isfinite(value) or value < 0):
                raise InvalidTarget(f"timerange {name} must be a finite number >= 0", field=name)
        lo, hi = target.start_seconds, target.end_seconds
        if lo is not None and hi is not None and hi < lo:
            raise InvalidTarget(f"timerange ends ({hi} s) before it starts ({lo} s)", field="end_seconds")
    if budget < 0:
        raise ValueError("evidence_budget_chars must be >= 0")
    if not 0 <= threshold <= 1:
        raise ValueError("hint_threshold must be within 0..1")
