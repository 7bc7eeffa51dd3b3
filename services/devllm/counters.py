"""In-memory counters: how often a conversation was seen, and request totals for `/stats`."""

from __future__ import annotations

from collections import Counter, OrderedDict


class SeenCounter:
    """Counts sightings per key, forgetting the least recently seen beyond `capacity` keys."""

    def __init__(self, capacity: int = 10_000) -> None:
        self._capacity = capacity
        self._seen: OrderedDict[str, int] = OrderedDict()

    def see(self, key: str) -> int:
        """Record one sighting of `key`; the number of sightings before this one."""
        before = self._seen.pop(key, 0)
        self._seen[key] = before + 1
        while len(self._seen) > self._capacity:
            self._seen.popitem(last=False)
        return before

    def __len__(self) -> int:
        return len(self._seen)


class Stats:
    """Requests by endpoint and by outcome, and the tokens of the answers served, by model."""

    def __init__(self) -> None:
        self._by_endpoint: Counter[str] = Counter()
        self._by_outcome: Counter[str] = Counter()
        self._pairs: Counter[tuple[str, str]] = Counter()
        self._served: dict[str, Counter[str]] = {}

    def served(self, model: str, input_tokens: int, output_tokens: int) -> None:
        """An answer sent with these token counts in its `usage` (what a provider bills)."""
        counts = self._served.setdefault(model, Counter())
        counts.update(answers=1, inputTokens=input_tokens, outputTokens=output_tokens)

    def record(self, endpoint: str, outcome: str) -> None:
        self._by_endpoint[endpoint] += 1
        self._by_outcome[outcome] += 1
        self._pairs[(endpoint, outcome)] += 1

    def snapshot(self) -> dict[str, object]:
        by_endpoint: dict[str, dict[str, int]] = {}
        for (endpoint, outcome), n in sorted(self._pairs.items()):
            by_endpoint.setdefault(endpoint, {})[outcome] = n
        return {
            "requests": dict(sorted(self._by_endpoint.items())),
            "outcomes": dict(sorted(self._by_outcome.items())),
            "byEndpoint": by_endpoint,
            "served": {model: dict(counts) for model, counts in sorted(self._served.items())},
        }
