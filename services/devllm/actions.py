"""Action items for `actions` sections: (title, context) pairs, each grounded in one observation.

A theme orders the candidates (closing leads with their open question, following up with a
recap); the rest of the candidates fill in when a schema asks for more items.
"""

from __future__ import annotations

from typing import NamedTuple

from . import observations as o
from .analysis import Profile
from .quotes import QuotePicker

_ORDER = {
    "close": ("question", "topic", "pace"),
    "followup": ("recap", "answers", "floor"),
    "best": ("work", "pace", "floor"),
    "pressure": ("interrupt", "monologue", "quote"),
}
_DEFAULT_ORDER = ("topic", "question", "pace")
_MISSING = (
    (
        "Rerun with the transcript",
        "The prompt carried no transcript evidence, so nothing here is grounded in what the person said.",
    ),
    (
        "Check who the target is",
        "Without evidence the target could not be described; confirm the target resolves to a speaker with segments.",
    ),
    (
        "Review the prompt",
        "The report was written without evidence; review how the prompt was built before relying on it.",
    ),
)


class Grounds(NamedTuple):
    profile: Profile
    quotes: QuotePicker
    lead_quote: str | None  # the section's leading quote


def action_items(theme: str, count: int, g: Grounds) -> list[dict[str, str]]:
    if not g.profile.found:
        return [{"title": t, "context": c} for t, c in _MISSING[:count]]
    items: list[dict[str, str]] = []
    for name in dict.fromkeys(_ORDER.get(theme, _DEFAULT_ORDER) + tuple(_ACTIONS)):
        item = _ACTIONS[name](g)
        if item and all(item[0] != existing["title"] for existing in items):
            items.append({"title": item[0], "context": item[1]})
        if len(items) == count:
            break
    return items


def _topic(g: Grounds) -> tuple[str, str] | None:
    if not g.profile.top_words:
        return None
    it = "it" if o.clear_lead(g.profile) else "them"
    return (
        f"Anchor on {o.subject(g.profile, 'and')}",
        f"{o.sentence(o.lead_word(g.profile))} Tie what you propose to {it}, in their words.",
    )


def _work(g: Grounds) -> tuple[str, str] | None:
    if not g.profile.top_words:
        return None
    n = g.profile.top_words[0][1]
    what = (
        "It is the subject they returned to most" if o.clear_lead(g.profile) else "These are what they returned to most"
    )
    return (
        f"Give them work that touches {o.subject(g.profile, 'or')}",
        f"{what} ({n} {o.plural(n, 'mention')}); that is where their energy is.",
    )


def _question(g: Grounds) -> tuple[str, str]:
    q = g.quotes.question(last=True)
    if q:
        return (
            "Answer their open question first",
            f'They asked: "{q}" Have a direct, specific answer ready before asking for anything.',
        )
    return (
        "Ask for the decision directly",
        "They asked no questions, so do not wait for them to pull; ask what would make this a yes.",
    )


def _pace(g: Grounds) -> tuple[str, str] | None:
    p = g.profile
    if p.words_per_minute <= 0:
        return None
    wpm, turn = f"{p.words_per_minute:.0f}", o.seconds(p.mean_turn_sec)
    return {
        "fast": (
            "Keep it short and concrete",
            f"They talk at about {wpm} words per minute in {turn} turns; lead with the decision, then the details.",
        ),
        "measured": (
            "Give them time to think",
            f"They talk at a measured {wpm} words per minute; put the details in writing and leave room to review.",
        ),
    }.get(
        o.pace_word(p),
        (
            "Match their rhythm",
            f"They talk at about {wpm} words per minute in turns of {turn} on average; keep yours to the same length.",
        ),
    )


def _recap(g: Grounds) -> tuple[str, str]:
    words = [f'"{w}"' for w, _ in g.profile.top_words[:3]]
    what = f"what they raised most ({o.join(words)}), in that order" if words else "what was agreed"
    return ("Send a written recap within a day", f"Cover {what}.")


def _answers(g: Grounds) -> tuple[str, str]:
    p = g.profile
    q = g.quotes.question()
    if q:
        return (
            "Answer their questions in writing",
            f"They asked {p.question_count} {o.plural(p.question_count, 'question')}; "
            f"list each "
            f'with a direct answer, starting with: "{q}"',
        )
    return (
        "Check what they still need",
        "They asked no questions during the conversation; send one short, specific question to reopen it.",
    )


def _floor(g: Grounds) -> tuple[str, str]:
    p = g.profile
    share = o.percent(p.share)
    if p.share >= o.HIGH_SHARE:
        return ("Let them talk first", f"They held {share} of the talk time; open with a question and listen.")
    if p.share <= o.LOW_SHARE:
        return (
            "Draw them out",
            f"They held only {share} of the talk time; ask open questions about {o.subject(p, 'or')}.",
        )
    return ("Keep the exchange two-way", f"They held {share} of the talk time; alternate short points with questions.")


def _interrupt(g: Grounds) -> tuple[str, str]:
    n = g.profile.interruptions
    if n:
        return (
            "Agree on turn-taking when it gets tense",
            f"They cut in {n} {o.plural(n, 'time')}; name the issue, give them the floor first, then respond.",
        )
    return (
        "Invite objections early",
        "They never cut in; in a tense moment they may go quiet rather than push back, so ask directly.",
    )


def _monologue(g: Grounds) -> tuple[str, str] | None:
    p = g.profile
    if p.longest_monologue_sec <= 0:
        return None
    if p.longest_monologue_sec >= 45:
        return (
            "Break long explanations into checkpoints",
            f"Their longest stretch ran {o.seconds(p.longest_monologue_sec)}; pause and summarise before moving on.",
        )
    return (
        "Keep your own points short",
        f"Their turns average {o.seconds(p.mean_turn_sec)}; long pitches will lose them.",
    )


def _quote(g: Grounds) -> tuple[str, str] | None:
    q = g.lead_quote
    return ("Start from what they already said", f'Quote them back: "{q}"') if q else None


_ACTIONS = {
    "topic": _topic,
    "work": _work,
    "question": _question,
    "pace": _pace,
    "recap": _recap,
    "answers": _answers,
    "floor": _floor,
    "interrupt": _interrupt,
    "monologue": _monologue,
    "quote": _quote,
}
