"""Each template's `production` prompt variables, kept in memory for job creation's parameter check.

Creating a job checks its templateParams against the variables of its template's `production`
version. Reading that from the table on every create costs a query and a walk over the
template's versions; the cache answers from memory instead:
- this store's own prompt edits (CreatePromptVersion, SetPromptLabels) clear it once they have
  committed (`invalidate`), and a read that began before an edit never fills the cache after it
  (a generation count), so a create that follows an edit on this store sees the edit;
- another store replica's edits (PostgreSQL) are seen within `ttl_s`, when the entry expires.
A template with no production version is not cached: its not_found is read afresh each time.
The renderer reads the prompt it renders with from the table (claim), never from here.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from sqlalchemy.engine import Connection

from services.domain.prompt_seeds import PromptVariable
from services.store import prompts

TTL_S = 5.0


class PromptCache:
    def __init__(self, *, ttl_s: float = TTL_S, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl_s = ttl_s
        self._clock = clock
        self._lock = threading.Lock()  # PostgreSQL transactions run on a thread pool
        self._generation = 0
        self._entries: dict[str, tuple[float, list[PromptVariable]]] = {}

    def production_variables(self, connection: Connection, template: str) -> list[PromptVariable]:
        """The variables of `template`'s production version (not_found when it has none)."""
        now = self._clock()
        with self._lock:
            entry = self._entries.get(template)
            if entry is not None and now - entry[0] < self._ttl_s:
                return entry[1]
            generation = self._generation
        variables = prompts.variables_of(prompts.get(connection, template, label="production"))
        with self._lock:
            if generation == self._generation:  # no edit committed while this read ran
                self._entries[template] = (now, variables)
        return variables

    def invalidate(self) -> None:
        """A prompt edit has committed: forget everything read before it."""
        with self._lock:
            self._generation += 1
            self._entries.clear()
