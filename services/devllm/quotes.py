"""Choosing the target's own sentences to quote for a section, verbatim and without repeats."""

from __future__ import annotations

from .analysis import Profile, words_of

_MIN_WORDS = 4

CUES: dict[str, frozenset[str]] = {
    "thinking": frozenset(
        "because why how data numbers compare understand evidence reason means figure analysis "
        "think metric metrics proof sense logic detail details test tested".split()
    ),
    "drivers": frozenset(
        "need needs want value important priority goal goals results roi save saving grow growth "
        "revenue cost costs budget price benefit matters care win".split()
    ),
    "rapport": frozenset(
        "we us our team together thanks thank appreciate feel people love glad honestly "
        "personally trust relationship".split()
    ),
    "process": frozenset(
        "process timeline approval approve week weeks month months quarter plan schedule "
        "procurement legal contract decide decision board sign review steps daily".split()
    ),
    "objections": frozenset(
        "but however concern concerned worried risk problem issue expensive disagree not don't "
        "can't won't unclear doubt feedback".split()
    ),
    "pressure": frozenset(
        "deadline stuck delay pressure urgent risk problem blocker escalate late asap tough hard "
        "stress stressed slip".split()
    ),
    "close": frozenset("next start sign decide pilot trial ready move forward launch commit agree deal yes".split()),
    "followup": frozenset(
        "send email follow call share schedule week check reach deck proposal details documentation recap".split()
    ),
}


class QuotePicker:
    """Picks quotes across one report: the best match for each section, preferring fresh ones."""

    def __init__(self, profile: Profile) -> None:
        self._profile = profile
        self._top = frozenset(w for w, _ in profile.top_words)
        self._uses: dict[str, int] = {}
        long_enough = [s for s in profile.sentences if len(s.split()) >= _MIN_WORDS]
        self._pool = tuple(long_enough or profile.sentences)

    def pick(self, theme: str, count: int, questions_first: bool = False) -> list[str]:
        cues = CUES.get(theme, frozenset())
        scored = []
        for index, text in enumerate(self._pool):
            words = words_of(text)
            score = 3 * len(words & cues) + len(words & self._top)
            if questions_first and text.endswith("?"):
                score += 4
            score -= 3 * self._uses.get(text, 0)
            scored.append((-score, index, text))
        chosen: list[str] = []
        for _, _, text in sorted(scored):
            if len(chosen) == count:
                break
            if text not in chosen:
                chosen.append(text)
        for text in chosen:
            self._uses[text] = self._uses.get(text, 0) + 1
        return chosen

    def question(self, last: bool = False) -> str | None:
        """One of their questions: the first (or last) that names a top word, else the first."""
        questions = self._profile.questions
        if not questions:
            return None
        ordered = list(reversed(questions)) if last else list(questions)
        for q in ordered:
            if len(q.split()) >= 3 and words_of(q) & self._top:
                return q
        return ordered[0]
