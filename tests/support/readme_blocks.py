"""The README's runnable blocks and their answers, and how an answer is compared with output.

A fenced block preceded by `<!-- README test: run -->` is run (`sh` as it stands, `python` through
the shell's `python3`), every run block in README order in one bash session, so variables set by
one are there for the next. A block preceded by `<!-- README test: answer -->` is what the run
block before it prints, compared by shape, not byte for byte (ids, times and the dev LLM's words
change):

- `json`: the output parses as JSON; every key the answer shows is there, with a value of the same
  type; `status`, `stage`, `strategy`, `template` and `code` values are equal. `...` stands for
  whatever else there is (list items, keys, characters in a string).
- anything else (`text`, `markdown`): each line of the answer matches an output line, in order,
  with `...` matching any characters; a line that is only `...` matches nothing in particular.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

RUN = "<!-- README test: run -->"
ANSWER = "<!-- README test: answer -->"
EXACT_KEYS = frozenset({"status", "stage", "strategy", "template", "code"})
_FENCE = re.compile(
    r"^(?P<mark><!-- README test: (?:run|answer) -->\n)?```(?P<lang>\w*)\n(?P<body>.*?)^```$", re.MULTILINE | re.DOTALL
)


@dataclass(frozen=True)
class Block:
    lang: str
    body: str
    line: int
    answer: Block | None = None


def runnable(readme: str) -> list[Block]:
    """The run blocks, each with its answer if one follows it."""
    blocks: list[Block] = []
    for match in _FENCE.finditer(readme):
        mark = match.group("mark") or ""
        block = Block(match.group("lang"), match.group("body"), readme.count("\n", 0, match.start()) + 1)
        if RUN in mark:
            blocks.append(block)
        elif ANSWER in mark:
            if not blocks or blocks[-1].answer is not None:
                raise ValueError(f"README line {block.line}: an answer without a run block before it")
            last = blocks.pop()
            blocks.append(Block(last.lang, last.body, last.line, block))
    return blocks


def _example_json(text: str) -> Any:
    """The answer as JSON: `...` list items and keys left out, `...` inside strings kept."""
    text = re.sub(r",\s*\.\.\.(?=\s*[}\]])", "", text)
    text = re.sub(r"(?<=[\[{])\s*\.\.\.\s*(?=[}\]])", "", text)
    return json.loads(text)


def json_differences(example: Any, actual: Any, path: str = "") -> list[str]:
    where = path or "/"
    if isinstance(example, dict):
        if not isinstance(actual, dict):
            return [f"{where}: expected an object, got {actual!r:.80}"]
        out = []
        for key, value in example.items():
            if key not in actual:
                out.append(f"{path}/{key}: missing")
            elif key in EXACT_KEYS and isinstance(value, str) and "..." not in value:
                if actual[key] != value:
                    out.append(f"{path}/{key}: expected {value!r}, got {actual[key]!r}")
            else:
                out += json_differences(value, actual[key], f"{path}/{key}")
        return out
    if isinstance(example, list):
        if not isinstance(actual, list):
            return [f"{where}: expected a list, got {actual!r:.80}"]
        if len(actual) < len(example):
            return [f"{where}: expected at least {len(example)} items, got {len(actual)}"]
        return [d for i, item in enumerate(example) for d in json_differences(item, actual[i], f"{path}/{i}")]
    if example is None:
        return [] if actual is None else [f"{where}: expected null, got {actual!r:.80}"]
    if isinstance(example, bool) or isinstance(actual, bool):
        return [] if type(example) is type(actual) else [f"{where}: expected a boolean, got {actual!r:.80}"]
    if isinstance(example, (int, float)):
        return [] if isinstance(actual, (int, float)) else [f"{where}: expected a number, got {actual!r:.80}"]
    return [] if isinstance(actual, str) else [f"{where}: expected a string, got {actual!r:.80}"]


def _line_pattern(line: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in line.rstrip().split("...")))


def text_differences(example: str, actual: str) -> list[str]:
    lines = actual.splitlines()
    at = 0
    for wanted in example.splitlines():
        if wanted.strip() in ("", "..."):
            continue
        pattern = _line_pattern(wanted)
        while at < len(lines) and not pattern.fullmatch(lines[at].rstrip()):
            at += 1
        if at == len(lines):
            return [f"no output line (in order) matches {wanted!r}"]
        at += 1
    return []


def differences(answer: Block, output: str) -> list[str]:
    if answer.lang == "json":
        try:
            actual = json.loads(output)
        except ValueError:
            return [f"the output is not one JSON document: {output[:300]!r}"]
        return json_differences(_example_json(answer.body), actual)
    return text_differences(answer.body, output)
