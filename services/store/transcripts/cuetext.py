"""A caption cue's text: who speaks it, and the words without markup.

Speaker labels, in order of precedence:
- a WebVTT voice tag anywhere in the cue: `<v Jane Doe>`, `<v.loud Jane>`, closed by `</v>` or not;
  several voice tags split the cue;
- a prefix at the very start of the cue: `Name: text`, `[SPEAKER_00]: text` or `SPEAKER_00: text`
  (the id is `SPEAKER_00`, brackets dropped); later lines of the cue are checked only when they
  begin with a dialogue marker (`- ` or `>>`), which explicitly announces a change of speaker.

A prefix counts only when the part before the colon is a plausible name (`plausible_name`):
1–4 words and at most 40 characters; only letters, digits, spaces and . ' ’ - _ &; at least one
letter; every word capitalised, caseless (e.g. CJK), holding a digit (`S1`, `SPEAKER_00`) or a
name particle (van, de, la, …), and the first word not a particle; `speaker 1`/`spk_0` in any case;
and not a word that commonly introduces prose (Note, Warning, Tip, So, Well, …). The colon must be
followed by whitespace or end the line, so clock times like `10:03` never qualify. `>>` alone marks
an unnamed change of speaker and is not a label: it is removed from the text.
"""

from __future__ import annotations

import html
import re

from .assemble import clean_text

_VOICE = re.compile(r"<v(?:\.[^\s>]*)?(?:[ \t]+([^>]*))?>")
_TAG = re.compile(r"</?[A-Za-z][^>]*>|<\d[\d:.]*>")
_ASS_OVERRIDE = re.compile(r"\{\\[^}]*\}")
_MARKER = re.compile(r"^(?:>>+|-(?=\s))\s*")
_BRACKETED = re.compile(r"^\[([^\]]{1,40})\]\s*:\s*(.*)$")
_PLAIN = re.compile(r"^([^:]{1,40}):(?:\s+(.*))?$")
_NAME_CHARS = re.compile(r"^[\w .'’&-]+$")
_GENERIC_ID = re.compile(r"(?i)^(?:speaker|spk)[ _-]?\w{1,4}$")
_PARTICLES = frozenset("al bin da de del della der di dos du el la le van von y".split())
_NOT_NAMES = frozenset(
    """note notes nb ps p.s warning caution tip hint example e.g i.e update edit important reminder
    source subject step chapter part fact so well okay ok yes no now then also but and or because
    first second third finally remember look listen anyway basically quote translation summary
    result results transcript todo""".split()
)


def cue_parts(lines: list[str]) -> list[tuple[str | None, str]]:
    """(speaker or None, clean text) for each speaker's part of a cue, empty parts dropped."""
    raw = "\n".join(lines)
    voices = list(_VOICE.finditer(raw))
    if not voices:
        return _prefixed_parts(raw)
    parts: list[tuple[str | None, str]] = []
    parts.extend(_prefixed_parts(raw[: voices[0].start()]))
    for i, voice in enumerate(voices):
        body = raw[voice.end() : voices[i + 1].start() if i + 1 < len(voices) else len(raw)]
        name = clean_text(strip_markup(voice.group(1) or ""))
        if name:
            text = clean_text(" ".join(_unmarked(line) for line in body.split("\n")))
            parts.append((name, text))
        else:
            parts.extend(_prefixed_parts(body))
    return [(speaker, text) for speaker, text in parts if text]


def strip_markup(text: str) -> str:
    """Text without tags (<i>, <c.x>, </v>, <00:00:01.000>, <font …>), {\\an8} and entities."""
    return html.unescape(_ASS_OVERRIDE.sub("", _TAG.sub("", text)))


def split_prefix(line: str) -> tuple[str, str] | None:
    """(speaker id, rest) when the line starts with a plausible speaker prefix."""
    match = _BRACKETED.match(line) or _PLAIN.match(line)
    if not match:
        return None
    name = " ".join(match.group(1).split())
    return (name, match.group(2) or "") if plausible_name(name) else None


def plausible_name(name: str) -> bool:
    words = name.split()
    if not 1 <= len(words) <= 4 or len(name) > 40 or not _NAME_CHARS.match(name):
        return False
    if not any(ch.isalpha() for ch in name):
        return False
    if _GENERIC_ID.match(name):
        return True
    if name.lower().rstrip(".") in _NOT_NAMES or words[0].lower() in _PARTICLES:
        return False
    return all(_name_word(word) or word in _PARTICLES for word in words)


def _name_word(word: str) -> bool:
    """Capitalised, caseless (CJK), or an id holding a digit."""
    first = word[0]
    caseless = first.isalpha() and first.lower() == first.upper()
    return first.isupper() or caseless or any(ch.isdigit() for ch in word)


def _unmarked(line: str) -> str:
    """A line without markup and without a leading dialogue marker."""
    text = strip_markup(line).strip()
    marker = _MARKER.match(text)
    return text[marker.end() :] if marker else text


def _prefixed_parts(raw: str) -> list[tuple[str | None, str]]:
    """Parts split at speaker prefixes: on the first line, or after a dialogue marker."""
    parts: list[tuple[str | None, list[str]]] = []
    for i, line in enumerate(raw.split("\n")):
        text = strip_markup(line).strip()
        marker = _MARKER.match(text)
        body = text[marker.end() :] if marker else text
        found = split_prefix(body) if i == 0 or marker else None
        if found:
            parts.append((found[0], [found[1]]))
        elif parts:
            parts[-1][1].append(body)
        else:
            parts.append((None, [body]))
    return [(speaker, clean_text(" ".join(texts))) for speaker, texts in parts]
