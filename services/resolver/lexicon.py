"""Words and text helpers for reading people out of a transcript.

Transcripts come cased ("I'm Priya, the CFO.") or not (AMI-style "I'M KRISTA AND I'M THE
INDUSTRIAL DESIGNER", often without punctuation). In cased text a name must be capitalized; in
uncased text capitalization says nothing, so `NOT_NAMES` (words that follow "I'm", "thanks",
"this is" ... but are not names) does the work alone.
"""

from __future__ import annotations

import re
from typing import NamedTuple

FILLERS = frozenset("um umm uh uhh uhm erm er hmm hm mm mhm ah eh".split())

NOT_NAMES = frozenset(
    """
    a about absolutely actually after afraid again agreed ah alive all allowed almost alone along
    alright already also always am amazing an and another any anybody anyone anything anyway
    anyways apparently appreciate are around as ashamed asking assuming at available aware away
    awesome back bad based basically be because been before being believe best better between big
    bit both brilliant busy but by calling can can't certain certainly clear close comfortable
    coming concerned confident confused consider cool correct could curious currently dear def
    definitely did didn't disappointed do does doing don't done down during each early easy either
    else enough especially even ever every everybody everyone everything exactly excellent excited
    expecting fair familiar fantastic far few fine finally first folks for forgot free friend
    friends from fully gentlemen get getting glad go going gonna good gosh got gotta great guess
    guessing guys had happy hard has have having he he's hear hearing hello her here hers hey hi
    him his hmm honest honestly hoping how however i i'd i'll i'm i've if impressed in indeed
    interested interesting into is it it's its just keen kind kinda know ladies last late later
    leaving less let let's like likely listen listening little look looking lost lot lovely mad
    maybe me mean meant mine more most much must my myself nah need new next nice no nobody none
    nope not nothing now obviously of off oh ok okay on once one only open or other our ours out
    over perfect perhaps please pleased pretty probably proud quick quite rather ready real really
    right said same saying second see seeing seems sir so some somebody someone something sometimes
    sorry sort speaking start starting still stuck such super supposed sure surprised take taking
    talking team tell than thank thanks that that's the their them then there these they thing
    things think thinking this those though thought through thrilled tired to today told tomorrow
    too total totally true trying uh um under understand unsure up us use used using very wait
    want wanted was we we're well were what when where whether which while who whom whose why
    wish with wondering worried would wow yeah yep yes yesterday yet you you're your yours
    yourself
    afternoon anyhow besides bro buddy bye cheers dude evening fortunately goodbye gotcha hopefully
    huh instead lastly man mate meanwhile morning noted otherwise overall people personally plus
    secondly similarly thirdly tonight understood unfortunately y'all
    monday tuesday wednesday thursday friday saturday sunday january february march september
    october november december
    """.split()
)
"""Words that are never taken as a person's name."""

ROLE_BREAK = frozenset(
    """
    and but so because who which that i i'm we you it he she they um uh to as if when while where
    then also just yeah okay ok well like is are was were will would can could should
    """.split()
)
"""Words that end a role phrase ("the CFO *and* ...")."""

ROLE_CONNECTORS = frozenset(("of", "in"))
ROLE_DETERMINERS = frozenset("the a an your our their my his her".split())
ROLE_NOT_HEADS = frozenset(
    """
    bit little lot fan big huge one same kind sort couple few tad first last only type total real
    great good bad new very pretty quite part member guest
    """.split()
)
"""Words after "I'm a/the" that do not start a role ("I'm a *bit* late")."""

ORG_PREPOSITIONS = frozenset("at from with for".split())

_PUNCT = frozenset(",.;:!?")
_TOKEN = re.compile(r"[^\W_](?:[\w'\-]*[^\W_])?|[,.;:!?]")
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|\n+")
_FILLER = re.compile(r"\b(?:" + "|".join(sorted(FILLERS)) + r")\b,?\s*", re.IGNORECASE)
_REPEAT = re.compile(r"\b([\w']+)(?:\s+\1\b)+", re.IGNORECASE)


class Token(NamedTuple):
    text: str
    lower: str
    is_punct: bool


def clean(text: str) -> str:
    """Text with curly apostrophes straightened, fillers ("um", "uh") and stutters dropped."""
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    text = _FILLER.sub("", text)
    return _REPEAT.sub(r"\1", text).strip()


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def tokens(sentence: str) -> list[Token]:
    return [Token(w, w.lower(), w in _PUNCT) for w in _TOKEN.findall(sentence)]


def is_cased(text: str) -> bool:
    """True when the text mixes upper and lower case, so capitals can mark names."""
    return any(c.islower() for c in text) and any(c.isupper() for c in text)


def looks_like_name(token: Token, cased: bool) -> bool:
    word = token.lower
    if token.is_punct or len(word) < 2 or word in NOT_NAMES or word.endswith("'s"):
        return False
    if not token.text[0].isalpha():
        return False
    if cased:
        return token.text[0].isupper()
    return not (len(word) >= 6 and word.endswith("ing"))


def take_name(toks: list[Token], i: int, cased: bool) -> tuple[str, int] | None:
    """The name starting at toks[i] (cased: up to 3 capitalized words; uncased: up to 2 words)
    and the index after it, or None."""
    limit = 3 if cased else 2
    j = i
    while j < len(toks) and j - i < limit and looks_like_name(toks[j], cased):
        j += 1
    if j == i:
        return None
    return " ".join(t.text for t in toks[i:j]), j


def take_phrase(toks: list[Token], i: int, *, max_words: int = 6) -> tuple[str, int]:
    """Words from toks[i] until punctuation, a ROLE_BREAK or common word (other than "of",
    "in") or an org preposition: "head of sales", "CFO" (at ...), "consultant" (too)."""
    j = i
    while (
        j < len(toks)
        and j - i < max_words
        and not toks[j].is_punct
        and toks[j].lower not in ROLE_BREAK
        and toks[j].lower not in ORG_PREPOSITIONS
        and toks[j].lower not in FILLERS
        and (toks[j].lower not in NOT_NAMES or toks[j].lower in ROLE_CONNECTORS)
    ):
        j += 1
    return " ".join(t.text for t in toks[i:j]), j


def take_org(toks: list[Token], i: int, cased: bool) -> tuple[str, int] | None:
    """ "at/from/with/for ORG" at toks[i]: the ORG (cased: capitalized words) and the next index."""
    if i >= len(toks) or toks[i].lower not in ORG_PREPOSITIONS:
        return None
    j = i + 1
    start = j
    while j < len(toks) and j - start < 3 and not toks[j].is_punct:
        word = toks[j]
        if word.lower in ROLE_BREAK or word.lower in ROLE_DETERMINERS:
            break
        if cased and not word.text[0].isupper():
            break
        if not cased and word.lower in NOT_NAMES:
            break
        j += 1
    if j == start:
        return None
    return " ".join(t.text for t in toks[start:j]), j


def quote(text: str, limit: int = 100) -> str:
    """Text for a one-line reason: single-spaced, cut at `limit` with an ellipsis."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
