"""The four ways to pick a target. Each returns a `Pick` or raises `TargetNotFound`.

Confidence, per strategy (always 0..1):

- dominant, timerange: the winner's share of the time spoken by the top two speakers,
  top / (top + runner-up): 1.0 when nobody else spoke, 0.5 on a dead heat. It says how clearly the
  pick dominates, which a share of total time does not (40% of a four-way meeting can be a clear
  lead).
- entity_id: 1.0, the client named the entity. Ids match exactly; a case-insensitive near miss is
  not accepted, only suggested in the miss message.
- magic_hint: the best alias score, similarity x clue weight (see `clues` and `hint`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from services.domain.segments import Segment, is_unknown

from .clues import extract_aliases
from .errors import TargetNotFound
from .hint import score_hint
from .model import Speaker
from .talk import Talk, rank, talk_in_range, talk_of_speakers, two_way_share


@dataclass(frozen=True)
class Pick:
    entity_id: str
    confidence: float
    reason: str


def _pct(part: float, whole: float) -> str:
    return f"{round(100 * part / whole)}%" if whole > 0 else "n/a"


def _runner_up(ranked: list[Talk]) -> str:
    if len(ranked) < 2:
        return "nobody else spoke"
    second = ranked[1]
    return f"next {second.speaker} {second.seconds:.1f} s"


def _tie_note(ranked: list[Talk]) -> str:
    if len(ranked) < 2 or round(ranked[0].seconds, 3) != round(ranked[1].seconds, 3):
        return ""
    if round(ranked[0].words, 3) != round(ranked[1].words, 3):
        return f"; tied on time with {ranked[1].speaker}, more words"
    return f"; tied on time and words with {ranked[1].speaker}, spoke first"


def dominant(speakers: Sequence[Speaker]) -> Pick:
    talks = talk_of_speakers(speakers)
    ranked = rank(talks.values())
    if not ranked:
        who = "no speakers" if not speakers else "no diarized speaker has any speech"
        raise TargetNotFound(f"no dominant speaker: {who}", strategy="dominant")
    top = ranked[0]
    total = sum(t.seconds for t in talks.values())
    reason = (
        f"{top.speaker} spoke most: {top.seconds:.1f} s of {total:.1f} s "
        f"({_pct(top.seconds, total)}); {_runner_up(ranked)}{_tie_note(ranked)}"
    )
    return Pick(top.speaker, round(two_way_share(ranked), 4), reason)


def timerange(
    segments: Sequence[Segment],
    speakers: Sequence[Speaker],
    start: float | None,
    end: float | None,
) -> Pick:
    lo = start or 0.0
    media_end = max((s.end for s in segments), default=0.0)
    hi = media_end if end is None else end
    span = f"{lo:.1f}–{hi:.1f} s"
    talks = talk_in_range(segments, lo, hi)
    ids = {s.id for s in speakers}
    ranked = rank(t for t in talks.values() if t.speaker in ids)
    if not ranked:
        what = "no speech" if not talks else "only undiarized speech"
        raise TargetNotFound(f"no speaker in time range {span}: {what} there", strategy="timerange")
    top = ranked[0]
    total = sum(t.seconds for t in talks.values())
    reason = (
        f"{top.speaker} spoke most in {span}: {top.seconds:.1f} s of {total:.1f} s "
        f"({_pct(top.seconds, total)}); {_runner_up(ranked)}{_tie_note(ranked)}"
    )
    return Pick(top.speaker, round(two_way_share(ranked), 4), reason)


def entity_id(speakers: Sequence[Speaker], wanted: str) -> Pick:
    if is_unknown(wanted):
        raise TargetNotFound(f"entity_id '{wanted}' is undiarized speech, not a person", strategy="entity_id")
    for s in speakers:
        if s.id == wanted:
            label = f" ({s.label})" if s.label else ""
            return Pick(s.id, 1.0, f"{s.id}{label} was named by entity_id")
    near = [s.id for s in speakers if s.id.lower() == wanted.lower() and not is_unknown(s.id)]
    known = ", ".join(s.id for s in speakers if not is_unknown(s.id)) or "none"
    hint = f"; did you mean '{near[0]}'?" if near else ""
    raise TargetNotFound(f"no speaker has entity_id '{wanted}' (speakers: {known}){hint}", strategy="entity_id")


def magic_hint(segments: Sequence[Segment], speakers: Sequence[Speaker], hint: str, threshold: float) -> Pick:
    aliases = extract_aliases(segments, speakers)
    outcome = score_hint(hint, aliases, talk_of_speakers(speakers), threshold)
    best = outcome.best
    if best is None:
        raise TargetNotFound(outcome.miss_message(), strategy="magic_hint")
    return Pick(best.speaker, round(best.score, 4), outcome.reason())
