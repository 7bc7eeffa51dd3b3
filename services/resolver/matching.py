"""Fuzzy agreement between a hint and an alias, in 0..1.

Both sides are reduced to content tokens (lower case, no articles or prepositions, "chief financial
officer" -> "cfo", "01" -> "1"). Each token finds its best partner on the other side:

- equal tokens agree fully;
- numbers and short tokens (<= 3 letters, mostly acronyms: CFO, CTO, VP) agree only when equal,
  because edit-distance ratios call "cto" and "cfo" 67% alike;
- longer tokens agree by rapidfuzz's `fuzz.ratio` when it is at least 0.75 ("Pria" ~ "Priya"),
  or at 0.85 when one is a prefix of the other ("design" ~ "designer").

Coverage is the mean agreement of one side's tokens. The score is 0.8 x the better coverage +
0.2 x the worse: a hint that is fully contained in an alias ("CFO" in "Priya, the CFO at
Northwind") or an alias fully contained in the hint ("Priya" in "Priya the CFO") scores at least
0.8, and the fuller the mutual agreement the closer to 1. This is rapidfuzz's `token_set_ratio`
idea, done per token so that acronyms cannot half-match.
"""

from __future__ import annotations

import re

from rapidfuzz import fuzz

_STOP = frozenset(
    """
    the a an our your their his her my its from at of with for and in on to who is was person guy
    lady woman man one that this mr mrs ms dr named called someone somebody works working
    """.split()
)
_PHRASES = (
    ("chief executive officer", "ceo"),
    ("chief financial officer", "cfo"),
    ("chief technology officer", "cto"),
    ("chief technical officer", "cto"),
    ("chief operating officer", "coo"),
    ("chief marketing officer", "cmo"),
    ("chief revenue officer", "cro"),
    ("chief information officer", "cio"),
    ("chief product officer", "cpo"),
    ("vice president", "vp"),
    ("human resources", "hr"),
    ("user interface", "ui"),
    ("user experience", "ux"),
)
_SPLIT = re.compile(r"[^0-9a-z]+")
_POSSESSIVE = re.compile(r"'s\b")

PREFIX_AGREEMENT = 0.85
MIN_RATIO = 0.75


def normalize(text: str) -> tuple[str, ...]:
    text = text.lower().replace("\u2019", "'")
    text = _POSSESSIVE.sub("", text)
    text = " ".join(_SPLIT.split(text))
    for phrase, short in _PHRASES:
        text = text.replace(phrase, short)
    out = []
    for tok in text.split():
        if tok in _STOP:
            continue
        out.append(str(int(tok)) if tok.isdigit() else tok)
    return tuple(out)


def token_agreement(a: str, b: str) -> float:
    if a == b:
        return 1.0
    if a.isdigit() or b.isdigit() or min(len(a), len(b)) <= 3:
        return 0.0
    ratio = fuzz.ratio(a, b) / 100.0
    if ratio >= MIN_RATIO:
        return ratio
    if min(len(a), len(b)) >= 4 and (a.startswith(b) or b.startswith(a)):
        return PREFIX_AGREEMENT
    return 0.0


def _coverage(side: tuple[str, ...], other: tuple[str, ...]) -> float:
    return sum(max(token_agreement(t, o) for o in other) for t in side) / len(side)


def similarity(left: tuple[str, ...], right: tuple[str, ...]) -> float:
    """Agreement of two normalized token tuples, 0..1 (see the module docstring)."""
    if not left or not right:
        return 0.0
    a, b = _coverage(left, right), _coverage(right, left)
    return 0.8 * max(a, b) + 0.2 * min(a, b)


def text_similarity(left: str, right: str) -> float:
    return similarity(normalize(left), normalize(right))
