"""The resolver's settings, read once from the environment; `ResolveSettings` also the renderers'."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from services.common import defaults, env


@dataclass(frozen=True)
class ResolveSettings:
    """How a target is resolved, wherever it is (the resolver service, each renderer)."""

    evidence_budget_chars: int = 12000  # evidence quoted per target, in characters
    hint_threshold: float = 0.6  # the confidence a magic hint needs

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> ResolveSettings:
        return cls(
            evidence_budget_chars=env.integer(
                environ, "REPORTS_EVIDENCE_BUDGET_CHARS", cls.evidence_budget_chars, minimum=200
            ),
            hint_threshold=env.number(environ, "REPORTS_HINT_THRESHOLD", cls.hint_threshold),
        )


@dataclass(frozen=True)
class ResolverSettings:
    listen: str = defaults.RESOLVER_ADDR
    store_target: str = defaults.STORE_ADDR
    resolving: ResolveSettings = ResolveSettings()

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> ResolverSettings:
        return cls(
            listen=env.text(environ, "REPORTS_RESOLVER_LISTEN", cls.listen),
            store_target=env.text(environ, "REPORTS_STORE_ADDR", cls.store_target),
            resolving=ResolveSettings.from_env(environ),
        )
