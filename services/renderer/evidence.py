"""Quotes behind each section: kept when they are the target's own words, with their times.

A quote matches when its words, folded (case, spacing, punctuation), appear in one of the
target's segments, or across a few consecutive ones; an ellipsis may skip words. A quote that
matches nowhere is dropped. A section left without a quote is `unsupported`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from services.renderer.validate import Problem, fold

SPAN = 3  # how many consecutive target segments a quote may run across
_ELLIPSIS = re.compile(r"\.\.\.|\u2026")


@dataclass(frozen=True)
class LocatedQuote:
    text: str
    start: float
    end: float


@dataclass(frozen=True)
class SectionSupport:
    key: str
    quotes: tuple[LocatedQuote, ...]

    @property
    def status(self) -> str:
        return "supported" if self.quotes else "unsupported"

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "status": self.status,
            "quotes": [{"text": q.text, "start": q.start, "end": q.end} for q in self.quotes],
        }


class QuoteLocator:
    def __init__(self, target_segments: Sequence[Mapping[str, Any]]) -> None:
        segments = [s for s in target_segments if fold(str(s.get("text", "")))]
        # Single segments first, then pairs, then triples: a quote takes the narrowest span.
        self._windows: list[tuple[str, float, float]] = []
        for width in range(1, SPAN + 1):
            for i in range(len(segments) - width + 1):
                chunk = segments[i : i + width]
                text = " " + " ".join(fold(str(s["text"])) for s in chunk) + " "
                self._windows.append((text, float(chunk[0]["start"]), float(chunk[-1]["end"])))

    def locate(self, quote: str) -> LocatedQuote | None:
        fragments = [f for f in (fold(part) for part in _ELLIPSIS.split(quote)) if f]
        if not fragments:
            return None
        for text, start, end in self._windows:  # narrowest window first, earliest first
            if all(f" {f} " in text for f in fragments):
                return LocatedQuote(" ".join(quote.split()), start, end)
        return None

    def support(self, output: Mapping[str, Any], keys: Sequence[str]) -> list[SectionSupport]:
        sections = output.get("sections") if isinstance(output, Mapping) else None
        supports = []
        for key in keys:
            section = sections.get(key) if isinstance(sections, Mapping) else None
            raw = section.get("quotes") if isinstance(section, Mapping) else None
            located: list[LocatedQuote] = []
            for quote in raw if isinstance(raw, list) else []:
                found = self.locate(quote) if isinstance(quote, str) else None
                if found is not None and found.text not in {q.text for q in located}:
                    located.append(found)
            supports.append(SectionSupport(key, tuple(located)))
        return supports


def unsupported_problems(supports: Sequence[SectionSupport]) -> list[Problem]:
    """Soft problems: worth another attempt, but a report without them is still a report."""
    return [
        Problem(
            f"$.sections.{s.key}.quotes",
            "has no quote that is the target's own words; give one to three quotes copied "
            "word for word from the target's segments (isTarget true)",
            soft=True,
        )
        for s in supports
        if not s.quotes
    ]
