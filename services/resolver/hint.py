"""Scoring a free-text hint ("Priya", "the CFO", "Priya the CFO from Northwind") against speakers.

A speaker's score is its best alias: `matching.similarity(hint, alias) x alias.weight`, so a
perfect match on a self-introduction scores 0.90 and on a label 1.00 (see `clues` for weights).
The best-scoring speaker wins when its score reaches the threshold; ties go to the speaker with
more aliases that reach the threshold on their own, then to the more dominant speaker. The
confidence is the winning score.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .clues import Alias
from .lexicon import quote
from .matching import normalize, similarity
from .talk import Talk, dominance_key

CLOSE_CALL = 0.1
"""A runner-up within this distance of the winner (and above threshold) is named in the reason."""


@dataclass(frozen=True)
class HintScore:
    speaker: str
    score: float
    alias: Alias | None
    supporting: int
    """How many of the speaker's aliases reach the threshold on their own."""


@dataclass(frozen=True)
class HintOutcome:
    """The ranking of all speakers for a hint; `best` is None when nobody reached the threshold."""

    hint: str
    threshold: float
    ranked: tuple[HintScore, ...]

    @property
    def best(self) -> HintScore | None:
        if self.ranked and self.ranked[0].score >= self.threshold:
            return self.ranked[0]
        return None

    def reason(self) -> str:
        best = self.best
        if best is None or best.alias is None:
            return self.miss_message()
        line = f"matched hint '{quote(self.hint, 60)}' to {best.alias.clue} ({best.score:.2f})"
        close = [s for s in self.ranked[1:] if s.score >= self.threshold and best.score - s.score < CLOSE_CALL]
        if close:
            line += "; close runner-up " + ", ".join(f"{s.speaker} ({s.score:.2f})" for s in close)
        return line

    def miss_message(self) -> str:
        hint = quote(self.hint, 60)
        if not normalize(self.hint):
            return f"hint '{hint}' has no words to match (only articles and prepositions)"
        top = self.ranked[0] if self.ranked else None
        if top is None:
            return f"no speaker matched hint '{hint}' (there are no speakers to match)"
        if top.alias is None or top.score <= 0:
            return (
                f"no speaker matched hint '{hint}' (nothing in ids, labels, descriptions or the "
                f"transcript's introductions and mentions resembles it)"
            )
        return (
            f"no speaker matched hint '{hint}' (best: {top.speaker} '{quote(top.alias.text, 60)}' "
            f"at {top.score:.2f} < {self.threshold:.2f})"
        )


def score_hint(
    hint: str,
    aliases: Mapping[str, Sequence[Alias]],
    talks: Mapping[str, Talk],
    threshold: float,
) -> HintOutcome:
    wanted = normalize(hint)
    scores = []
    for speaker, speaker_aliases in aliases.items():
        best: tuple[float, Alias] | None = None
        supporting = 0
        for alias in speaker_aliases:
            value = similarity(wanted, normalize(alias.text)) * alias.weight
            supporting += value >= threshold
            if best is None or (value, alias.weight) > (best[0], best[1].weight):
                best = (value, alias)
        score = round(best[0], 4) if best else 0.0
        scores.append(HintScore(speaker, score, best[1] if best else None, supporting))

    def order(s: HintScore) -> tuple[float, int, tuple[float, float, float, str]]:
        talk = talks.get(s.speaker, Talk(s.speaker, 0.0, 0.0, float("inf")))
        return (-s.score, -s.supporting, dominance_key(talk))

    return HintOutcome(hint, threshold, tuple(sorted(scores, key=order)))
