"""The content of one report section, drafted from a `Profile` by the section's theme.

A section's theme comes from the words of its key and title (`how_to_close` -> close), so any
section list works: an unknown key gets a general draft. Drafts carry every part a section might
have (title, body, phrases, items, quotes); the schema decides which of them are kept.
"""

from __future__ import annotations

import re
from typing import Any

from . import observations as o
from .actions import Grounds, action_items
from .analysis import Profile
from .quotes import QuotePicker
from .schema_fill import count_for, properties_of

_THEMES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("traits", ("trait",)),
    ("objections", ("pushback", "objection", "feedback")),
    ("pressure", ("sticky", "pressure", "hard", "stress", "conflict", "difficult")),
    ("followup", ("follow",)),
    ("close", ("close", "closing")),
    ("best", ("best",)),
    ("drivers", ("yes", "drive", "motivat")),
    ("rapport", ("rapport", "connect", "trust", "relationship")),
    ("process", ("buying", "operate", "process", "tendenc")),
    ("thinking", ("think", "reason")),
    ("bottom", ("bottom", "takeaway", "remember")),
)
_MISSING_PHRASES = ("Evidence missing", "No transcript data", "Not enough to judge")


def theme_of(key: str, title: str) -> str:
    tokens = [t for t in re.split(r"[^a-z]+", f"{key} {title}".lower()) if t]
    for theme, triggers in _THEMES:
        if any(t.startswith(trigger) for t in tokens for trigger in triggers):
            return theme
    return "general"


class SectionDrafter:
    """Drafts the sections of one report; quotes are not repeated across its sections."""

    def __init__(self, profile: Profile) -> None:
        self._p = profile
        self._quotes = QuotePicker(profile)
        self._quote: str | None = None  # the current section's leading quote, set by `draft`

    def draft(self, key: str, title: str, schema: dict[str, Any], root: Any) -> dict[str, Any]:
        props = properties_of(schema)
        theme = theme_of(key, title)
        draft: dict[str, Any] = {"title": title}
        count = count_for(props["quotes"], 2, root) if "quotes" in props else 1
        picked = self._quotes.pick(theme, count, questions_first=theme == "thinking")
        self._quote = picked[0] if picked else None
        if "quotes" in props:
            draft["quotes"] = picked
        if "phrases" in props:
            draft["phrases"] = self.phrases(count_for(props["phrases"], 3, root))
        if "items" in props:
            draft["items"] = self.actions(theme, count_for(props["items"], 3, root))
        draft["body"] = self.body(theme, title, draft.get("phrases") or self.phrases(3))
        return draft

    def phrases(self, count: int) -> list[str]:
        if not self._p.found:
            return list(_MISSING_PHRASES[:count])
        p = self._p
        ranked: list[tuple[float, str]] = []
        if p.words_per_minute > 0:
            extreme = o.pace_word(p) != "steady"
            ranked.append(
                (
                    2 if extreme else 1,
                    {
                        "fast": "Fast, energetic talker",
                        "measured": "Measured, deliberate speaker",
                    }.get(o.pace_word(p), "Steady conversational pace"),
                )
            )
        if o.asks_a_lot(p):
            ranked.append((2, "Asks probing questions"))
        elif p.question_count == 0:
            ranked.append((1.5, "Makes statements, not questions"))
        else:
            ranked.append((1, "Asks targeted questions"))
        if p.share >= o.HIGH_SHARE:
            ranked.append((2, "Holds the floor"))
        elif p.share <= o.LOW_SHARE:
            ranked.append((2, "Listens more than talks"))
        else:
            ranked.append((0.5, "Shares the floor"))
        if p.interruptions >= 3:
            ranked.append((2, "Cuts in to steer"))
        if p.longest_monologue_sec >= 60:
            ranked.append((1.2, "Explains at length"))
        for i, (word, _) in enumerate(p.top_words[:2]):
            ranked.append((1.4 - i * 0.5, f"Focused on {word}"))
        ranked.sort(key=lambda item: -item[0])
        phrases = list(dict.fromkeys(text for _, text in ranked))
        fillers = ("Direct in what they say", "Grounded in specifics", "Engaged throughout")
        phrases += [f for f in fillers if f not in phrases]
        return phrases[:count]

    def body(self, theme: str, title: str, phrases: list[str]) -> str:
        p = self._p
        if not p.found:
            return (
                f"No transcript evidence was found in the prompt, so nothing can be said about "
                f'"{title}" for this person yet.'
            )
        parts = _BODIES.get(theme, _general)(self, phrases)
        return " ".join(o.sentence(part) for part in parts if part)

    def actions(self, theme: str, count: int) -> list[dict[str, str]]:
        return action_items(theme, count, Grounds(self._p, self._quotes, self._quote))

    # -- bodies, one per theme ------------------------------------------------------------------

    def _thinking(self, _: list[str]) -> list[str]:
        p = self._p
        if o.asks_a_lot(p):
            style = "they think out loud by asking: their questions show what they need settled first"
        elif p.question_count == 0:
            style = "they reason by stating positions rather than asking, so expect conclusions"
        else:
            style = "they ask selectively, so each question marks a point they actually need settled"
        question = self._quotes.question()
        pace_tip = {
            "fast": "give them the headline before the detail",
            "measured": "give them time and the supporting detail",
        }.get(o.pace_word(p), "")
        return [
            f"in this conversation {o.questions(p)}, and {o.topics(p)}",
            style,
            f'a typical question from them: "{question}"' if question else "",
            f"{o.pace(p)}{'; ' + pace_tip if pace_tip else ''}",
        ]

    def _drivers(self, _: list[str]) -> list[str]:
        p = self._p
        quote = self._quote
        if p.share >= o.HIGH_SHARE:
            floor = f"they held {o.percent(p.share)} of the talk time, so they will say what matters if you let them"
        else:
            floor = f"they held {o.percent(p.share)} of the talk time; draw out what matters with open questions"
        lead = (
            (
                f'tie any proposal to "{o.top(p)}" first: {o.lead_word(p)}'
                if o.clear_lead(p)
                else f"tie any proposal to what they kept returning to: {o.lead_word(p)}"
            )
            if p.top_words
            else ""
        )
        return [
            f"what they care about shows in their words: {o.topics(p)}",
            f'in their words: "{quote}"' if quote else "",
            lead,
            floor,
        ]

    def _rapport(self, _: list[str]) -> list[str]:
        p = self._p
        quote = self._quote
        return [
            f"{o.share(p)}, and {o.interruptions(p)}",
            f"match their rhythm: {o.pace(p)}",
            (
                f'open on "{o.top(p)}", the subject they raised most'
                if o.clear_lead(p)
                else f"open on what they raised most ({o.subject(p, 'or')})"
            )
            if p.top_words
            else "",
            f'something they said that you can build on: "{quote}"' if quote else "",
        ]

    def _process(self, _: list[str]) -> list[str]:
        p = self._p
        quote = self._quote
        if p.longest_monologue_sec >= 45:
            style = "they lay out their thinking in long turns, so expect them to walk through the steps"
        else:
            style = "they keep their turns short, so the steps come out in pieces; ask for them explicitly"
        watched = o.join([f'"{w}"' for w, _ in p.top_words[:3]])
        return [
            o.monologue(p),
            style,
            f"the subjects they kept coming back to ({watched}) are what they will check and track" if watched else "",
            f'in their words: "{quote}"' if quote else "",
        ]

    def _objections(self, _: list[str]) -> list[str]:
        p = self._p
        quote = self._quote
        if p.interruptions:
            style = f"{o.interruptions(p)}, so pushback is likely to come early and directly"
        else:
            style = f"{o.interruptions(p)}, so pushback may come late or stay unspoken; ask for it"
        asked = (
            f"{o.questions(p)}; treat each question as a possible objection and answer it directly"
            if p.question_count
            else "they asked no questions, so their doubts have to be drawn out"
        )
        return [style, asked, f'for example: "{quote}"' if quote else ""]

    def _pressure(self, _: list[str]) -> list[str]:
        p = self._p
        quote = self._quote
        return [
            f"under pressure, expect more of what the numbers already show: {o.pace(p)}, and {o.monologue(p)}",
            o.interruptions(p),
            f"keep the conversation anchored on {o.subject(p, 'and')}, what they returned to most"
            if p.top_words
            else "",
            f'what they said when it mattered: "{quote}"' if quote else "",
        ]

    def _traits(self, phrases: list[str]) -> list[str]:
        p = self._p
        quote = self._quote
        return [
            f"three traits stand out in {p.name}: {o.join([ph.lower() for ph in phrases])}",
            f"{o.pace(p)}; {o.questions(p)}; {o.share(p)}",
            o.topics(p),
            f'in their words: "{quote}"' if quote else "",
        ]

    def _bottom(self, _: list[str]) -> list[str]:
        p = self._p
        who = (
            "holds the floor"
            if p.share >= o.HIGH_SHARE
            else "listens more than they talk"
            if p.share <= o.LOW_SHARE
            else "shares the floor"
        )
        how = (
            "asks a lot of questions"
            if o.asks_a_lot(p)
            else "rarely asks questions"
            if p.question_count == 0
            else "asks pointed questions"
        )
        theme = f"; they kept coming back to {o.subject(p, 'and')}" if p.top_words else ""
        steps = [
            f"lead with {o.subject(p, 'or')}" if p.top_words else "lead with what they raised first",
            "answer the questions they asked directly" if p.question_count else "ask before you pitch",
            f"match their {o.pace_word(p)} pace" if p.words_per_minute > 0 else "let them set the pace",
        ]
        return [f"{p.name} {who} and {how}{theme}", o.join(steps)]


def _general(self: SectionDrafter, _: list[str]) -> list[str]:
    p = self._p
    quote = self._quote
    return [o.topics(p), f"{o.questions(p)}, and {o.pace(p)}", f'in their words: "{quote}"' if quote else ""]


_BODIES = {
    "thinking": SectionDrafter._thinking,
    "drivers": SectionDrafter._drivers,
    "rapport": SectionDrafter._rapport,
    "process": SectionDrafter._process,
    "objections": SectionDrafter._objections,
    "pressure": SectionDrafter._pressure,
    "traits": SectionDrafter._traits,
    "bottom": SectionDrafter._bottom,
    "close": _general,
    "followup": _general,
    "best": _general,
}
