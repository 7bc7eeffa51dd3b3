"""What the target said, and what they were answering, within a character budget.

The full evidence is the target's own segments plus, for each of the target's turns, the other
speaker's segment immediately before it (the prompt that the turn answers), in time order, without
duplicates. When its text fits `budget_chars` (the sum of `len(segment.text)`) it is returned as
is. Otherwise it is sampled across the whole recording, not from its start:

1. The recording's timeline is cut into equal buckets, as many as the budget holds typical
   target segments (so a first round over the buckets about fills it; at most 200, never more
   than the target has segments), and each target segment goes to the bucket its start falls in.
2. The target's own segments are taken round-robin over the buckets, in a spread order (first,
   middle, quarters, ...) so that a budget running out mid-round still covers the timeline; within
   a bucket the longest segment goes first (substance before backchannel), the one nearest the
   bucket's middle among equals. No segment takes more
   than an eighth of the budget (at least 120 characters): a longer one is cut at a word boundary
   and ends with "…"; a piece shorter than 40 characters is not worth cutting and is skipped.
3. Only then, with what budget is left, the prompts of the chosen turns are added the same way
   (each cut to at most 300 characters): the target's own words always win over prompts.

The result is in time order and depends only on the input.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

from services.domain.segments import Segment

MIN_PIECE = 40
MIN_ITEM_CAP = 120
ITEM_SHARE = 8
PROMPT_CAP = 300
MAX_BUCKETS = 200
ELLIPSIS = "…"


def select_evidence(segments: Sequence[Segment], target: str, budget_chars: int) -> tuple[Segment, ...]:
    if budget_chars < 0:
        raise ValueError("evidence budget must be >= 0 characters")
    ordered = _unique(sorted((s for s in segments if s.text.strip()), key=lambda s: s.start))
    own = [i for i, s in enumerate(ordered) if s.speaker == target]
    if not own:
        return ()
    prompt_of = {i: i - 1 for i in own if i > 0 and ordered[i - 1].speaker != target}
    everything = sorted(set(own) | set(prompt_of.values()))
    if sum(len(ordered[i].text) for i in everything) <= budget_chars:
        return tuple(ordered[i] for i in everything)

    item_cap = max(MIN_ITEM_CAP, budget_chars // ITEM_SHARE)
    mean_len = sum(min(len(ordered[i].text), item_cap) for i in own) / len(own)
    n_buckets = max(1, min(len(own), MAX_BUCKETS, int(budget_chars // mean_len)))
    t0 = ordered[0].start
    t1 = max(s.end for s in ordered)

    def bucket_of(i: int) -> int:
        if t1 <= t0:
            return 0
        return min(n_buckets - 1, int((ordered[i].start - t0) / (t1 - t0) * n_buckets))

    chosen: dict[int, str] = {}
    own_buckets: list[list[int]] = [[] for _ in range(n_buckets)]
    for i in own:
        own_buckets[bucket_of(i)].append(i)
    width = (t1 - t0) / n_buckets
    for b, bucket in enumerate(own_buckets):
        centre = t0 + (b + 0.5) * width
        bucket.sort(key=lambda i: (-len(ordered[i].text), abs(ordered[i].start - centre), i))
    remaining = _fill(own_buckets, ordered, chosen, budget_chars, item_cap)

    prompt_buckets: list[list[int]] = [[] for _ in range(n_buckets)]
    for i in sorted(chosen):
        if i in prompt_of:
            prompt_buckets[bucket_of(i)].append(prompt_of[i])
    _fill(prompt_buckets, ordered, chosen, remaining, min(item_cap, PROMPT_CAP))

    return tuple(
        ordered[i] if chosen[i] == ordered[i].text else _with_text(ordered[i], chosen[i]) for i in sorted(chosen)
    )


def _fill(
    buckets: list[list[int]],
    ordered: list[Segment],
    chosen: dict[int, str],
    remaining: int,
    cap: int,
) -> int:
    """Take from the buckets round-robin in spread order until nothing more fits; return what is
    left of the budget."""
    queues = [deque(b) for b in buckets]
    spread = sorted(range(len(queues)), key=_bit_reversed)
    while remaining > 0:
        progressed = False
        for b in spread:
            while queues[b]:
                i = queues[b].popleft()
                if i in chosen:
                    continue
                text = _fit(ordered[i].text, min(cap, remaining))
                if text is None:
                    continue  # too long even to cut; a shorter one in this bucket may fit
                chosen[i] = text
                remaining -= len(text)
                progressed = True
                break
        if not progressed:
            break
    return remaining


def _fit(text: str, limit: int) -> str | None:
    if len(text) <= limit:
        return text
    if limit < MIN_PIECE:
        return None
    return truncate(text, limit)


def truncate(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters including the trailing "…", at a word boundary
    when one is in the second half."""
    if len(text) <= limit:
        return text
    cut = text[: limit - len(ELLIPSIS)]
    space = cut.rfind(" ")
    if space >= len(cut) // 2:
        cut = cut[:space]
    return cut.rstrip() + ELLIPSIS


def _bit_reversed(n: int) -> float:
    """0, 1, 2, 3, ... -> 0, .5, .25, .75, ...: an order that visits a range evenly."""
    value, weight = 0.0, 0.5
    while n:
        value += weight * (n & 1)
        n >>= 1
        weight /= 2
    return value


def _unique(segments: list[Segment]) -> list[Segment]:
    seen: set[Segment] = set()
    out = []
    for s in segments:
        if s not in seen:
            seen.add(s)
            out.append(s)
    return out


def _with_text(segment: Segment, text: str) -> Segment:
    return Segment(segment.speaker, segment.start, segment.end, text)
