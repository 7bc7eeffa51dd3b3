"""Reports already written, looked up by what they were written from.

`write_report` is a pure function of the schema and the transcript data, and the same request comes
back often: a job's retries, many jobs about one person, every job of a bench over one transcript.
Writing one took about a fifth of the dev LLM's CPU per job in B2 (bench/README.md, round 11), so the
last few are kept with their JSON text. The key is a digest of the schema and of every system and
user text (where the data may be), so two requests share a report only when the writer could not
tell them apart. The reports are shared: callers copy before changing one (faults.py does).
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from typing import Any

from .prompt import Prompt
from .writer import write_report

KEPT = 64


class WrittenReports:
    def __init__(self, kept: int = KEPT) -> None:
        self._kept = kept
        self._reports: OrderedDict[bytes, tuple[Any, str]] = OrderedDict()

    def report(self, prompt: Prompt) -> tuple[Any, str]:
        """The report for `prompt` and its JSON text, written now or kept from an earlier call."""
        key = _key(prompt)
        kept = self._reports.get(key)
        if kept is not None:
            self._reports.move_to_end(key)
            return kept
        report = write_report(prompt.schema, prompt.evidence())
        written = (report, json.dumps(report, ensure_ascii=False))
        self._reports[key] = written
        if len(self._reports) > self._kept:
            self._reports.popitem(last=False)
        return written


def _key(prompt: Prompt) -> bytes:
    digest = hashlib.sha256(json.dumps(prompt.schema, sort_keys=True).encode())
    for text in prompt.texts:
        digest.update(b"\x00")
        digest.update(text.encode("utf-8", "surrogatepass"))
    return digest.digest()
