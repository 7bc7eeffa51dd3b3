"""Plain-English observations about a `Profile`: numbers turned into short, grounded phrases."""

from __future__ import annotations

from .analysis import Profile

FAST_WPM = 170.0
SLOW_WPM = 125.0
HIGH_SHARE = 0.55
LOW_SHARE = 0.3


def pace_word(p: Profile) -> str:
    if p.words_per_minute <= 0:
        return "unmeasured"
    if p.words_per_minute >= FAST_WPM:
        return "fast"
    if p.words_per_minute < SLOW_WPM:
        return "measured"
    return "steady"


def pace(p: Profile) -> str:
    if p.words_per_minute <= 0:
        return "their pace could not be measured"
    return f"they talk at a {pace_word(p)} pace, about {p.words_per_minute:.0f} words per minute"


def share(p: Profile) -> str:
    return f"they held {percent(p.share)} of the talk time over {p.turns} {plural(p.turns, 'turn')}"


def questions(p: Profile) -> str:
    if p.question_count == 0:
        return "they asked no questions"
    rate = ""
    if p.turns:
        per_turn = p.question_count / p.turns
        rate = (
            " (about one per turn)"
            if 0.95 <= per_turn < 1.05
            else f" (about {per_turn:.1f} per turn)"
            if per_turn > 1
            else f" (about one every {1 / per_turn:.1f} turns)"
        )
    return f"they asked {p.question_count} {plural(p.question_count, 'question')}{rate}"


def monologue(p: Profile) -> str:
    if p.longest_monologue_sec <= 0:
        return "their longest stretch could not be measured"
    return (
        f"their longest uninterrupted stretch ran {seconds(p.longest_monologue_sec)}, "
        f"against an average turn of {seconds(p.mean_turn_sec)}"
    )


def interruptions(p: Profile) -> str:
    if p.interruptions == 0:
        return "they never cut in while someone else was speaking"
    return f"they cut in on someone else {p.interruptions} {plural(p.interruptions, 'time')}"


def topics(p: Profile, limit: int = 3) -> str:
    words = p.top_words[:limit]
    if not words:
        return "no single topic stood out in their words"
    listed = [f'"{w}" ({n}x)' for w, n in words]
    return f"the words they returned to most were {join(listed)}"


def leaders(p: Profile) -> list[str]:
    """The words said most often: one when a subject stood out, several when they tie."""
    if not p.top_words:
        return []
    most = p.top_words[0][1]
    return [w for w, n in p.top_words if n == most]


def clear_lead(p: Profile) -> bool:
    return len(leaders(p)) == 1


def subject(p: Profile, conj: str = "and", default: str = "their priorities") -> str:
    """What they returned to most, quoted: one word, or up to three tied ones."""
    quoted = [f'"{w}"' for w in leaders(p)[:3]]
    if not quoted:
        return default
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} {conj} {quoted[-1]}"


def lead_word(p: Profile) -> str:
    """How the most frequent words stand: "more than any other word", or the tie said as one.
    Empty when nothing stood out."""
    tops = leaders(p)
    if not tops:
        return ""
    n = p.top_words[0][1]
    times = f"{n} {plural(n, 'time')}"
    if len(tops) == 1:
        return f'"{tops[0]}" came up {times}, more than any other word'
    if len(tops) <= 3:
        return f"{subject(p)} came up {times} each"
    return f"{len(tops)} words came up {times} each, {subject(p)} among them, and none stood out"


def top(p: Profile, i: int = 0, default: str = "their priorities") -> str:
    return p.top_words[i][0] if len(p.top_words) > i else default


def asks_a_lot(p: Profile) -> bool:
    return p.question_count >= 5 or (p.turns > 0 and p.question_count / p.turns >= 0.3)


def percent(value: float) -> str:
    return f"{value * 100:.0f}%"


def seconds(value: float) -> str:
    return f"{value:.0f} s" if value >= 10 else f"{value:.1f} s"


def plural(n: int, word: str) -> str:
    return word if n == 1 else f"{word}s"


def join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def sentence(text: str) -> str:
    """`text` with a capital first letter and a final full stop."""
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    ends = text[-2:] if text[-1] in "\"'”" else text[-1:]
    return text if ends[:1] in (".", "!", "?") else f"{text}."
