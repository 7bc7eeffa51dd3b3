"""What the target said and how: a `Profile` read from a decoded transcript data block.

The data block is untrusted: every field is read defensively, and numbers the block lacks are
computed from its segments. Nothing here interprets what the text says; it only counts and cuts.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]")
_QUOTE_MAX_CHARS = 180
_TOP_WORDS = 8

STOPWORDS = frozenset(
    """
    a about above after again against all also am an and any are aren't as at be because been
    before being below between both but by can can't cannot could couldn't did didn't do does
    doesn't doing don't down during each few for from further had hadn't has hasn't have haven't
    having he he'd he'll he's her here here's hers herself him himself his how how's i i'd i'll
    i'm i've if in into is isn't it it's its itself let's me more most mustn't my myself no nor
    not of off on once only or other ought our ours ourselves out over own same shan't she she'd
    she'll she's should shouldn't so some such than that that's the their theirs them themselves
    then there there's these they they'd they'll they're they've this those through to too under
    until up very was wasn't we we'd we'll we're we've were weren't what what's when when's where
    where's which while who who's whom why why's will with won't would wouldn't you you'd you'll
    you're you've your yours yourself yourselves yeah yes okay ok um uh umm hmm like just really
    know think thing things get got gonna going go goes went lot lots kind sort mean right well
    actually basically maybe sure pretty much many also still even back say said says see let
    one two yep nope oh ah mhm gotta wanna kinda sorta stuff way something anything everything
    come came make made take took want need look looking thanks thank hey hi hello good great
    send sent put give gave tell told ask asked call work works start started talk talking use
    used try keep kept bring next last first else rather would honestly fine case part half
    """.split()
)
# A word said once is no theme: `top_words` keeps only words said at least this often.
MIN_THEME_COUNT = 2


@dataclass(frozen=True)
class Profile:
    """The target as the evidence shows them. `found` is False when the prompt had no data block."""

    found: bool
    name: str
    description: str | None
    media_title: str | None
    segments: tuple[str, ...]
    sentences: tuple[str, ...]
    questions: tuple[str, ...]
    words: int
    turns: int
    question_count: int
    speaking_sec: float
    share: float
    words_per_minute: float
    longest_monologue_sec: float
    interruptions: int
    mean_turn_sec: float
    top_words: tuple[tuple[str, int], ...]
    other_speakers: tuple[str, ...]


def profile_of(data: dict[str, Any] | None) -> Profile:
    """The profile of the target in `data` (a decoded data block), or an empty one for None."""
    if not isinstance(data, dict):
        return _missing()
    target = _dict(data.get("target"))
    segments = [s for s in _list(data.get("segments")) if isinstance(s, dict)]
    mine = [s for s in segments if s.get("isTarget") is True]
    texts = tuple(t for t in (_text(s.get("text")) for s in mine) if t.strip())
    sentences = tuple(sentence for text in texts for sentence in _sentences(text))
    questions = tuple(s for s in sentences if s.endswith("?"))
    measured = _measure(segments)
    given = _dict(data.get("analytics"))
    media = _dict(data.get("media"))
    target_id = _text(target.get("id"))
    return Profile(
        found=True,
        name=_text(target.get("label")) or target_id or "the target",
        description=_text(target.get("description")) or None,
        media_title=_text(media.get("title")) or None,
        segments=texts,
        sentences=sentences,
        questions=questions,
        words=_int(given.get("words"), sum(len(t.split()) for t in texts)),
        turns=_int(given.get("turns"), measured["turns"]),
        question_count=_int(given.get("questions"), len(questions)),
        speaking_sec=_num(given.get("speakingSec"), measured["speaking"]),
        share=_num(given.get("share"), measured["share"]),
        words_per_minute=_num(given.get("wordsPerMinute"), measured["wpm"]),
        longest_monologue_sec=_num(given.get("longestMonologueSec"), measured["longest"]),
        interruptions=_int(given.get("interruptions"), measured["interruptions"]),
        mean_turn_sec=_num(given.get("meanTurnSec"), measured["mean_turn"]),
        top_words=top_words(texts, exclude=_name_words(target, data.get("speakers"))),
        other_speakers=_others(data.get("speakers"), target_id),
    )


def top_words(
    texts: tuple[str, ...], limit: int = _TOP_WORDS, exclude: frozenset[str] = frozenset()
) -> tuple[tuple[str, int], ...]:
    """The content words said at least twice, most frequent first, ties in alphabetical order.
    `exclude` holds the speakers' names: someone saying a name is not a subject they care about;
    nor is any other proper noun (a word only ever capitalised inside a sentence: "Marco",
    "Friday"). A plural counts with its singular when both occur ("seats" as "seat")."""
    counts: Counter[str] = Counter()
    lower_seen: set[str] = set()
    capitalised_inside: set[str] = set()
    for text in texts:
        for sentence in _SENTENCE.findall(text):
            for position, raw in enumerate(_WORD.findall(sentence)):
                word = raw.lower().replace("’", "'")
                if raw[0].islower():
                    lower_seen.add(word)
                elif position > 0:
                    capitalised_inside.add(word)
                if len(word) >= 3 and word not in STOPWORDS and word not in exclude:
                    counts[word] += 1
    for word in capitalised_inside - lower_seen:
        counts.pop(word, None)
    for word in [w for w in counts if w.endswith("s") and w[:-1] in counts]:
        counts[word[:-1]] += counts.pop(word)
    themes = [(word, n) for word, n in counts.items() if n >= MIN_THEME_COUNT]
    return tuple(sorted(themes, key=lambda kv: (-kv[1], kv[0]))[:limit])


def _name_words(target: dict[str, Any], speakers: Any) -> frozenset[str]:
    """Every word of every speaker's id and label, lower-cased."""
    people = [target, *(s for s in _list(speakers) if isinstance(s, dict))]
    return frozenset(word for person in people for key in ("id", "label") for word in words_of(_text(person.get(key))))


def words_of(text: str) -> set[str]:
    return {w.lower().replace("’", "'") for w in _WORD.findall(text)}


def _sentences(text: str) -> list[str]:
    """Verbatim pieces of `text`, one per sentence, cut at a word boundary when very long."""
    pieces = []
    for match in _SENTENCE.finditer(text):
        piece = match.group().strip()
        if len(piece) > _QUOTE_MAX_CHARS:
            cut = piece.rfind(" ", 0, _QUOTE_MAX_CHARS)
            piece = piece[: cut if cut > 0 else _QUOTE_MAX_CHARS].rstrip(" ,;:-")
        if _WORD.search(piece):
            pieces.append(piece)
    return pieces


def _measure(segments: list[dict[str, Any]]) -> dict[str, float]:
    """Talk statistics of the target computed from the segments, for blocks without analytics."""
    total = speaking = longest = run = 0.0
    turns = interruptions = words = 0
    previous: dict[str, Any] | None = None
    for seg in segments:
        start, end = _num(seg.get("start"), 0.0), _num(seg.get("end"), 0.0)
        length = max(0.0, end - start)
        total += length
        if seg.get("isTarget") is not True:
            run = 0.0
        else:
            speaking += length
            words += len(_text(seg.get("text")).split())
            if previous is None or previous.get("isTarget") is not True:
                turns += 1
                run = 0.0
                if previous is not None and start < _num(previous.get("end"), 0.0):
                    interruptions += 1
            run += length
            longest = max(longest, run)
        previous = seg
    return {
        "speaking": round(speaking, 1),
        "share": round(speaking / total, 3) if total else 0.0,
        "wpm": round(words / (speaking / 60), 1) if speaking else 0.0,
        "turns": turns,
        "longest": round(longest, 1),
        "interruptions": interruptions,
        "mean_turn": round(speaking / turns, 1) if turns else 0.0,
    }


def _others(speakers: Any, target_id: str) -> tuple[str, ...]:
    names = []
    for spk in _list(speakers):
        if isinstance(spk, dict) and _text(spk.get("id")) != target_id:
            name = _text(spk.get("label")) or _text(spk.get("id"))
            if name:
                names.append(name)
    return tuple(names)


def _missing() -> Profile:
    return Profile(
        found=False,
        name="the target",
        description=None,
        media_title=None,
        segments=(),
        sentences=(),
        questions=(),
        words=0,
        turns=0,
        question_count=0,
        speaking_sec=0.0,
        share=0.0,
        words_per_minute=0.0,
        longest_monologue_sec=0.0,
        interruptions=0,
        mean_turn_sec=0.0,
        top_words=(),
        other_speakers=(),
    )


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _num(value: Any, default: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return float(default)
    return float(value)


def _int(value: Any, default: float) -> int:
    return round(_num(value, default))
