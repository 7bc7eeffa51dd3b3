"""Who each speaker is, as far as the transcript and the entity records say: weighted aliases.

An `Alias` is a text to match a hint against ("Priya", "CFO", "Priya, CFO at Northwind"), the kind
of clue it came from, how reliable that kind is (`weight`), and a one-line account of the clue for
the resolution's reason. Clues and their weights:

| kind          | source                                                       | weight         |
| ------------- | ------------------------------------------------------------ | -------------- |
| label         | the entity's label, set by the client                        | 1.00           |
| id            | the entity's id (some transcripts use names as speaker ids)  | 1.00           |
| description   | the entity's description (often a role)                      | 0.95           |
| self_intro    | "my name is Priya"                                           | 0.95           |
|               | "I'm Priya, the CFO at Northwind", "call me Priya"           | 0.90           |
|               | "I'm the CFO", "I work as a designer", "this is Priya from"  | 0.85           |
|               | "Priya here."                                                | 0.80           |
| addressed     | named by the turn before or after theirs (see below)         | <= 0.85        |
| role_mention  | someone says "Priya, our CFO" and Priya is a speaker's name  | 0.9 x the name |

Being addressed: the addressed person is usually the NEXT speaker. A name said to someone at the
end of a turn ("..., Priya?", "Priya, what do you think?", "over to you, Priya", "hi Priya") votes
for whoever speaks next; "thanks, Priya" opening a longer turn votes for whoever spoke before it; a
turn that is only "Thanks, Priya." gives half a vote to each neighbour. Votes for one name are
shared out: a speaker with v of the name's V votes gets weight min(0.85, 0.6 + 0.15 v) x v / V, so
repeated, consistent addressing is trusted more and a name thrown at several speakers less.

Only what is there is read: nothing here guesses a name from nothing, and "unknown" (undiarized
speech) never receives aliases, though what it says can name others.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from services.domain.segments import Segment, is_unknown

from . import lexicon as lx
from .lexicon import Token
from .matching import text_similarity
from .model import Speaker

LABEL_WEIGHT = 1.0
ID_WEIGHT = 1.0
DESCRIPTION_WEIGHT = 0.95
MY_NAME_IS_WEIGHT = 0.95
IM_NAME_WEIGHT = 0.90
ROLE_INTRO_WEIGHT = 0.85
THIS_IS_WEIGHT = 0.85
NAME_HERE_WEIGHT = 0.80
MENTION_WEIGHT = 0.90
ADDRESSED_MAX = 0.85
NAME_LINK_MIN = 0.85
"""How closely a mentioned name must match a speaker's name alias to carry its role over."""

_KIND_PHRASE = {
    "label": "its label",
    "id": "its id",
    "description": "its description",
    "self_intro": "its self-introduction",
    "addressed": "being addressed by name",
    "role_mention": "a mention",
}


@dataclass(frozen=True)
class Alias:
    speaker: str
    text: str
    kind: str
    weight: float
    clue: str
    """One line naming the speaker and the clue, e.g. SPEAKER_01's self-introduction "I'm ..."."""
    is_name: bool = False


@dataclass(frozen=True)
class _Intro:
    name: str | None
    role: str | None
    org: str | None
    weight: float


@dataclass(frozen=True)
class _Sentence:
    raw: str
    toks: list[Token]
    cased: bool
    lower: str
    """The cleaned sentence in lower case, for cheap "could this hold a clue?" checks."""


_MAY_INTRODUCE = re.compile(r"\b(?:i'm|i am|my name|call me|go by|this is|work as|role is|title is|here)\b")
_THANKING = re.compile(r"\b(?:thanks|thank you|thx|cheers)\b")


def extract_aliases(segments: Sequence[Segment], speakers: Sequence[Speaker]) -> dict[str, list[Alias]]:
    """Aliases for every speaker that can be a target, keyed by speaker id.

    `segments` must be in time order (turns and who-spoke-next are read from it)."""
    ids = {s.id for s in speakers if not is_unknown(s.id)}
    found: dict[str, list[Alias]] = {sid: [] for sid in sorted(ids)}
    for s in speakers:
        if s.id in ids:
            found[s.id].extend(_entity_aliases(s))
    parsed = [_parse(seg.text) for seg in segments]
    for seg, sents in zip(segments, parsed):
        if seg.speaker in ids:
            for sent in sents:
                found[seg.speaker].extend(_intro_aliases(seg.speaker, sent))
    for alias in _addressed_aliases(segments, parsed, ids):
        found[alias.speaker].append(alias)
    found = {sid: _dedupe(aliases) for sid, aliases in found.items()}
    mentions = [
        (seg.speaker, sent, name, role)
        for seg, sents in zip(segments, parsed)
        for sent in sents
        for name, role in _mentions(sent)
    ]
    for alias in _mention_aliases(mentions, found):
        found[alias.speaker].append(alias)
    return {sid: _dedupe(aliases) for sid, aliases in found.items()}


def _dedupe(aliases: list[Alias]) -> list[Alias]:
    best: dict[tuple[str, str], Alias] = {}
    for a in aliases:
        key = (a.kind, a.text.lower())
        if key not in best or a.weight > best[key].weight:
            best[key] = a
    return list(best.values())


def _parse(text: str) -> list[_Sentence]:
    out = []
    for raw in lx.sentences(text):
        cleaned = lx.clean(raw)
        if cleaned:
            out.append(_Sentence(raw, lx.tokens(cleaned), lx.is_cased(cleaned), cleaned.lower()))
    return out


# -- entity records -------------------------------------------------------------------------


def _entity_aliases(s: Speaker) -> list[Alias]:
    out = [Alias(s.id, s.id, "id", ID_WEIGHT, f"speaker id '{s.id}'", is_name=True)]
    if s.label and s.label.strip():
        label = s.label.strip()
        out.append(Alias(s.id, label, "label", LABEL_WEIGHT, f"{s.id}'s label '{label}'", True))
    if s.description and s.description.strip():
        desc = lx.quote(s.description.strip())
        out.append(
            Alias(s.id, s.description.strip(), "description", DESCRIPTION_WEIGHT, f"{s.id}'s description '{desc}'")
        )
    return out


# -- self-introductions ---------------------------------------------------------------------


def _lowers(toks: list[Token], i: int, n: int) -> tuple[str, ...]:
    return tuple(t.lower for t in toks[i : i + n])


def _intro_aliases(speaker: str, sent: _Sentence) -> list[Alias]:
    out: list[Alias] = []
    if not _MAY_INTRODUCE.search(sent.lower):
        return []
    clue = f'{speaker}\'s self-introduction "{lx.quote(sent.raw)}"'
    for intro in _intros(sent.toks, sent.cased):
        texts: list[tuple[str, bool]] = []
        if intro.name:
            texts.append((intro.name, True))
        if intro.role:
            texts.append((intro.role, False))
            if intro.org:
                texts.append((f"{intro.role} at {intro.org}", False))
        if intro.org:
            texts.append((f"from {intro.org}", False))
        parts = [p for p in (intro.name, intro.role) if p]
        full = ", ".join(parts) + (f" at {intro.org}" if intro.org else "")
        if len(texts) > 1:
            texts.append((full, False))
        out.extend(Alias(speaker, t, "self_intro", intro.weight, clue, n) for t, n in texts)
    return out


def _intros(toks: list[Token], cased: bool) -> list[_Intro]:
    found = []
    i = 0
    while i < len(toks):
        got = _intro_at(toks, i, cased)
        if got is None:
            i += 1
            continue
        intro, i = got
        found.append(intro)
    return found


def _intro_at(toks: list[Token], i: int, cased: bool) -> tuple[_Intro, int] | None:
    two, three = _lowers(toks, i, 2), _lowers(toks, i, 3)
    if three in {("my", "name", "is"), ("i", "go", "by")}:
        return _named(toks, i + 3, cased, MY_NAME_IS_WEIGHT if three[0] == "my" else IM_NAME_WEIGHT)
    if two == ("my", "name's"):
        return _named(toks, i + 2, cased, MY_NAME_IS_WEIGHT)
    if two == ("call", "me"):
        return _named(toks, i + 2, cased, IM_NAME_WEIGHT)
    if three in {("i", "work", "as"), ("my", "role", "is"), ("my", "title", "is")}:
        return _role_intro(toks, i + 3, cased, optional_det=True)
    if toks[i].lower == "i'm" or two == ("i", "am"):
        j = i + (1 if toks[i].lower == "i'm" else 2)
        if j < len(toks) and toks[j].lower in ("the", "a", "an", "your"):
            return _role_intro(toks, j, cased, optional_det=False)
        return _named(toks, j, cased, IM_NAME_WEIGHT)
    if two == ("this", "is"):
        got = _named(toks, i + 2, cased, THIS_IS_WEIGHT)
        if got is None:
            return None
        end = i + 2 + len(got[0].name.split()) if got[0].name else i + 2
        follow = toks[end].lower if end < len(toks) else None
        ok = follow in {"from", "with", "at", "here", "speaking", "calling", ","} or (
            cased and (follow is None or toks[end].is_punct)
        )
        return got if ok else None
    if i == 0:
        name = lx.take_name(toks, 0, cased)
        if name and name[1] < len(toks) and toks[name[1]].lower == "here":
            after = name[1] + 1
            ends = after >= len(toks) or toks[after].is_punct
            if (cased and ends) or (after < len(toks) and toks[after].lower in lx.ORG_PREPOSITIONS):
                org = lx.take_org(toks, after, cased)
                return _Intro(name[0], None, org[0] if org else None, NAME_HERE_WEIGHT), after
    return None


def _named(toks: list[Token], j: int, cased: bool, weight: float) -> tuple[_Intro, int] | None:
    """A name at toks[j], then an optional role ("..., the CFO") and org ("at Northwind")."""
    name = lx.take_name(toks, j, cased)
    if name is None:
        return None
    text, k = name
    role, k = _role_after_name(toks, k, cased)
    org = lx.take_org(toks, k, cased)
    if org:
        k = org[1]
    return _Intro(text, role, org[0] if org else None, weight), k


def _role_after_name(toks: list[Token], k: int, cased: bool) -> tuple[str | None, int]:
    start = k
    comma = k < len(toks) and toks[k].text == ","
    if comma:
        k += 1
    if k < len(toks) and toks[k].lower == "and":
        k += 1
    if k < len(toks) and toks[k].lower == "i'm":
        k += 1
    elif _lowers(toks, k, 2) == ("i", "am"):
        k += 2
    if k < len(toks) and toks[k].lower in lx.ROLE_DETERMINERS:
        k += 1
    elif not (comma and k < len(toks) and not toks[k].is_punct):
        return None, start
    role, end = _role_phrase(toks, k)
    return (role, end) if role else (None, start)


def _role_intro(toks: list[Token], j: int, cased: bool, *, optional_det: bool) -> tuple[_Intro, int] | None:
    if j < len(toks) and toks[j].lower in lx.ROLE_DETERMINERS:
        j += 1
    elif not optional_det:
        return None
    role, k = _role_phrase(toks, j)
    if role is None:
        return None
    org = lx.take_org(toks, k, cased)
    return _Intro(None, role, org[0] if org else None, ROLE_INTRO_WEIGHT), org[1] if org else k


def _role_phrase(toks: list[Token], j: int) -> tuple[str | None, int]:
    if j >= len(toks) or toks[j].lower in lx.ROLE_NOT_HEADS or toks[j].lower in lx.NOT_NAMES:
        return None, j
    text, k = lx.take_phrase(toks, j)
    return (text or None), k


# -- being addressed ------------------------------------------------------------------------

_THANKS = (("thank", "you"), ("thanks",), ("thx",), ("cheers",))
_NEXT_TRIGGERS = (
    ("over", "to", "you"),
    ("back", "to", "you"),
    ("pass", "it", "to"),
    ("hand", "it", "to"),
    ("go", "ahead"),
    ("your", "turn"),
    ("over", "to"),
    ("hear", "from"),
    ("hi",),
    ("hello",),
    ("hey",),
    ("welcome",),
)

_TRIGGERS_BY_FIRST: dict[str, list[tuple[tuple[str, ...], bool]]] = defaultdict(list)
for _trig, _thanks in [(t, True) for t in _THANKS] + [(t, False) for t in _NEXT_TRIGGERS]:
    _TRIGGERS_BY_FIRST[_trig[0]].append((_trig, _thanks))  # longest first within each word


def _name_ends(toks: list[Token], j: int, cased: bool) -> bool:
    """True when toks[j] can follow a name: the end, punctuation, a common word, or (cased) any
    lower-case word."""
    if j >= len(toks) or toks[j].is_punct:
        return True
    word = toks[j]
    return word.lower in lx.NOT_NAMES or word.lower in lx.ROLE_BREAK or (cased and not word.text[0].isupper())


def _vocatives(sent: _Sentence) -> list[tuple[str, bool]]:
    """Names said to someone in this sentence, each with whether it is a thanks."""
    toks, cased = sent.toks, sent.cased
    found: list[tuple[str, bool]] = []
    for i, tok in enumerate(toks):
        for trig, thanks in _TRIGGERS_BY_FIRST.get(tok.lower, ()):
            if _lowers(toks, i, len(trig)) != trig:
                continue
            j = i + len(trig)
            if j < len(toks) and toks[j].text == ",":
                j += 1
            taken = lx.take_name(toks, j, cased)
            if taken and _name_ends(toks, taken[1], cased):
                found.append((taken[0], thanks))
            break
    thanking = bool(_THANKING.search(sent.lower))
    head = lx.take_name(toks, 0, cased)
    if head and head[1] < len(toks) and toks[head[1]].text in (",", "?"):
        found.append((head[0], thanking))
    commas = [k for k, t in enumerate(toks) if t.text == ","]
    if commas:
        tail = lx.take_name(toks, commas[-1] + 1, cased)
        if tail and all(t.is_punct for t in toks[tail[1] :]):
            found.append((tail[0], thanking))
    seen: set[str] = set()
    unique: list[tuple[str, bool]] = []
    for name, thanks in found:
        if name.lower() not in seen:
            seen.add(name.lower())
            unique.append((name, thanks))
    return unique


@dataclass
class _Votes:
    votes: float = 0.0
    times: int = 0
    first: str = ""


def _addressed_clue(by: str, sent: _Sentence, name: str, when: str) -> str:
    return f"being addressed as '{name}' by {by} {when}: \"{lx.quote(sent.raw)}\""


def _addressed_aliases(segments: Sequence[Segment], parsed: list[list[_Sentence]], ids: set[str]) -> list[Alias]:
    turns: list[tuple[str, list[_Sentence]]] = []
    for seg, sents in zip(segments, parsed):
        if turns and turns[-1][0] == seg.speaker:
            turns[-1][1].extend(sents)
        else:
            turns.append((seg.speaker, list(sents)))
    # votes[name key][speaker]; display[name key] = the name as first written
    votes: dict[str, dict[str, _Votes]] = defaultdict(dict)
    display: dict[str, str] = {}

    def vote(name: str, who: str | None, amount: float, clue: str) -> None:
        if who is None or who not in ids:
            return
        key = name.lower()
        display.setdefault(key, name)
        v = votes[key].setdefault(who, _Votes(first=clue))
        v.votes += amount
        v.times += 1

    before, after = "just before it spoke", "right after it spoke"
    for k, (speaker, sents) in enumerate(turns):
        if not sents:
            continue
        prev = turns[k - 1][0] if k > 0 else None
        nxt = turns[k + 1][0] if k + 1 < len(turns) else None
        opening, closing = sents[0], sents[-1]
        if len(sents) == 1:
            for name, thanks in _vocatives(opening):
                if thanks:
                    vote(name, prev, 0.5, _addressed_clue(speaker, opening, name, after))
                    vote(name, nxt, 0.5, _addressed_clue(speaker, opening, name, before))
                else:
                    vote(name, nxt, 1.0, _addressed_clue(speaker, opening, name, before))
            continue
        for name, thanks in _vocatives(opening):
            if thanks:
                vote(name, prev, 1.0, _addressed_clue(speaker, opening, name, after))
        for name, thanks in _vocatives(closing):
            vote(name, nxt, 0.5 if thanks else 1.0, _addressed_clue(speaker, closing, name, before))

    out = []
    for key, per_speaker in votes.items():
        total = sum(v.votes for v in per_speaker.values())
        for who, v in per_speaker.items():
            weight = min(ADDRESSED_MAX, 0.6 + 0.15 * v.votes) * v.votes / total
            times = f" ({v.times} times)" if v.times > 1 else ""
            out.append(Alias(who, display[key], "addressed", round(weight, 4), f"{who} {v.first}{times}", is_name=True))
    return out


# -- roles mentioned next to names ----------------------------------------------------------


def _mentions(sent: _Sentence) -> list[tuple[str, str]]:
    """(name, role) pairs such as "Priya, our CFO", "our CFO, Priya", "Priya is our CFO",
    "Priya from Northwind"."""
    toks, cased = sent.toks, sent.cased
    found = []
    for i in range(len(toks)):
        if i > 0 and lx.looks_like_name(toks[i - 1], cased):
            continue  # inside a longer name
        name = lx.take_name(toks, i, cased)
        if name:
            role = _role_after_mention(toks, name[1], cased)
            if role:
                found.append((name[0], role))
                continue
        after_preposition = i > 0 and toks[i - 1].lower in ("for", "about", "on", "of", "in")
        if toks[i].lower in ("our", "your", "their", "the", "my") and not after_preposition:
            pair = _role_then_name(toks, i + 1, cased)
            if pair:
                found.append(pair)
    return found


def _role_after_mention(toks: list[Token], j: int, cased: bool) -> str | None:
    seq = _lowers(toks, j, 4)
    k = None
    if seq[:1] in ((",",), ("is",)) and len(seq) > 1 and seq[1] in lx.ROLE_DETERMINERS:
        k = j + 2
    elif seq[:3] == (",", "who", "is") and len(seq) > 3 and seq[3] in lx.ROLE_DETERMINERS:
        k = j + 4
    if k is not None:
        role, end = _role_phrase(toks, k)
        if role:
            org = lx.take_org(toks, end, cased)
            return f"{role} at {org[0]}" if org else role
    if cased:
        org = lx.take_org(toks, j, cased)
        if org and toks[j].lower in ("from", "at"):
            return f"from {org[0]}"
    return None


def _role_then_name(toks: list[Token], j: int, cased: bool) -> tuple[str, str] | None:
    """ "<role>, <Name>" or (cased) "<role> <Name>" after a determiner at toks[j-1]. A comma
    split wins over a capital: "our VP of Sales, Tom" names Tom, not Sales."""
    if j >= len(toks) or toks[j].lower in lx.ROLE_NOT_HEADS or toks[j].lower in lx.NOT_NAMES:
        return None
    capital: int | None = None
    after_org = False
    for k in range(j + 1, min(len(toks), j + 6)):
        tok = toks[k]
        if tok.text == ",":
            name = lx.take_name(toks, k + 1, cased)
            if name and _name_ends(toks, name[1], cased):
                return name[0], " ".join(t.text for t in toks[j:k])
            break
        if tok.is_punct or tok.lower in lx.ROLE_BREAK:
            break
        if tok.lower in lx.ORG_PREPOSITIONS:
            after_org = True
        elif capital is None and not after_org and cased and not tok.text.isupper() and lx.looks_like_name(tok, cased):
            capital = k
    if capital is not None:
        name = lx.take_name(toks, capital, cased)
        if name and _name_ends(toks, name[1], cased):
            return name[0], " ".join(t.text for t in toks[j:capital])
    return None


def _mention_aliases(mentions: list[tuple[str, _Sentence, str, str]], found: dict[str, list[Alias]]) -> list[Alias]:
    links: dict[str, dict[str, Alias]] = {}  # mentioned name -> speaker -> its matching name alias
    out: list[Alias] = []
    seen: set[tuple[str, str, str]] = set()
    for sayer, sent, name, role in mentions:
        key = name.lower()
        if key not in links:
            links[key] = _name_links(name, found)
        for sid, link in links[key].items():
            if sayer == sid and link.kind == "self_intro":
                continue  # "I'm Priya, the CFO" is already a self-introduction
            if (sid, key, role.lower()) in seen:
                continue
            seen.add((sid, key, role.lower()))
            clue = (
                f'{sid} via {sayer}\'s mention "{lx.quote(sent.raw)}" '
                f"({sid} is '{link.text}' by {_KIND_PHRASE[link.kind]})"
            )
            weight = round(MENTION_WEIGHT * link.weight, 4)
            out.append(Alias(sid, f"{name}, {role}", "role_mention", weight, clue))
            out.append(Alias(sid, role, "role_mention", weight, clue))
    return out


def _name_links(name: str, found: dict[str, list[Alias]]) -> dict[str, Alias]:
    """For each speaker one of whose names matches `name`, its best-weighted such name."""
    links = {}
    for sid, aliases in found.items():
        scored = [
            (sim * a.weight, a.weight, a)
            for a in aliases
            if a.is_name and (sim := text_similarity(name, a.text)) >= NAME_LINK_MIN
        ]
        if scored:
            links[sid] = max(scored, key=lambda x: (x[0], x[1]))[2]
    return links
