"""Whether the target said enough to be read reliably, said plainly."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CoverageRules:
    min_seconds: float = 60.0
    min_words: int = 150


@dataclass(frozen=True)
class Coverage:
    target_seconds: float
    target_words: int
    share: float
    confidence: float
    sufficient: bool
    note: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "targetSeconds": self.target_seconds,
            "targetWords": self.target_words,
            "share": self.share,
            "confidence": self.confidence,
            "sufficient": self.sufficient,
            "note": self.note,
        }


def assess(name: str, analytics: Mapping[str, Any], confidence: float, rules: CoverageRules) -> Coverage:
    seconds = round(float(analytics.get("speaking_sec", analytics.get("speakingSec", 0.0)) or 0.0), 1)
    words = int(analytics.get("words", 0) or 0)
    share = round(float(analytics.get("share", 0.0) or 0.0), 4)
    sufficient = seconds >= rules.min_seconds and words >= rules.min_words
    note = None
    if not sufficient:
        note = (
            f"Thin evidence: {name} speaks for only {seconds:g} s and {words} words in this recording "
            f"(this report wants at least {rules.min_seconds:g} s and {rules.min_words} words), "
            "so read what follows as tentative."
        )
    return Coverage(seconds, words, share, round(confidence, 4), sufficient, note)
