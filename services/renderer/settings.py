"""The renderer's settings, read once from the environment: its addresses, its LLM routes with their
circuits, budgets and prices (each parsed by the module that owns it), the worker, how targets are
resolved and the coverage rules."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from services.common import defaults, env
from services.renderer import budgets
from services.renderer.budgets import Budget
from services.renderer.circuit import CircuitSettings
from services.renderer.coverage import CoverageRules
from services.renderer.llm import LlmSettings, settings_from_env
from services.renderer.routes import circuit_settings, routes_from_env
from services.renderer.usage import PriceTable, prices_from_env
from services.renderer.worker import WorkerSettings
from services.resolver.settings import ResolveSettings


@dataclass(frozen=True)
class RendererSettings:
    routes: tuple[LlmSettings, ...]  # tried in order (REPORTS_LLM_ROUTES), the first alone without it
    listen: str = defaults.RENDERER_ADDR
    store_target: str = defaults.STORE_ADDR
    nats_url: str = defaults.NATS_URL
    circuits: CircuitSettings = CircuitSettings()
    budgets: Mapping[tuple[str, str], Budget] = field(default_factory=dict)  # shared by every renderer
    prices: PriceTable = field(default_factory=PriceTable)
    worker: WorkerSettings = WorkerSettings()
    resolving: ResolveSettings = ResolveSettings()
    coverage: CoverageRules = CoverageRules()

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> RendererSettings:
        return cls(
            routes=tuple(routes_from_env(environ, settings_from_env(environ))),
            listen=env.text(environ, "REPORTS_RENDERER_LISTEN", cls.listen),
            store_target=env.text(environ, "REPORTS_STORE_ADDR", cls.store_target),
            nats_url=env.text(environ, "REPORTS_NATS_URL", cls.nats_url),
            circuits=circuit_settings(environ),
            budgets=budgets.parse(environ),
            prices=prices_from_env(environ),
            worker=WorkerSettings(
                concurrency=env.integer(environ, "REPORTS_RENDERER_CONCURRENCY", WorkerSettings.concurrency, minimum=1),
                ack_wait_s=env.number(environ, "REPORTS_RENDERER_ACK_WAIT_S", WorkerSettings.ack_wait_s, minimum=0.5),
                max_deliver=env.integer(environ, "REPORTS_RENDERER_MAX_DELIVER", WorkerSettings.max_deliver, minimum=1),
            ),
            resolving=ResolveSettings.from_env(environ),
            coverage=CoverageRules(
                min_seconds=env.number(environ, "REPORTS_MIN_TARGET_SECONDS", CoverageRules.min_seconds),
                min_words=env.integer(environ, "REPORTS_MIN_TARGET_WORDS", CoverageRules.min_words),
            ),
        )
