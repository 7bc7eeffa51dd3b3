"""The renderer's settings from the environment: each part parsed by the module that owns it."""

from __future__ import annotations

import pytest

from services.common import defaults
from services.common.env import ConfigError
from services.renderer.budgets import Budget
from services.renderer.circuit import CircuitSettings
from services.renderer.coverage import CoverageRules
from services.renderer.settings import RendererSettings
from services.renderer.worker import WorkerSettings
from services.resolver.settings import ResolveSettings

DEV = {"OPENAI_BASE_URL": "http://127.0.0.1:9/v1"}


def test_defaults_with_only_the_dev_llm_configured():
    settings = RendererSettings.from_env(DEV)
    assert [(r.provider, r.model, r.base_url) for r in settings.routes] == [
        ("openai", "dev-llm", "http://127.0.0.1:9/v1")
    ]
    assert (settings.listen, settings.store_target, settings.nats_url) == (
        defaults.RENDERER_ADDR,
        defaults.STORE_ADDR,
        defaults.NATS_URL,
    )
    assert (settings.worker, settings.resolving, settings.coverage, settings.circuits, settings.budgets) == (
        WorkerSettings(),
        ResolveSettings(),
        CoverageRules(),
        CircuitSettings(),
        {},
    )
    assert settings.prices.of("dev-llm") is not None


def test_every_variable_is_read():
    settings = RendererSettings.from_env(
        {
            **DEV,
            "ANTHROPIC_API_KEY": "sk-ant",
            "REPORTS_LLM_ROUTES": "openai:dev-llm,anthropic:claude-x",
            "REPORTS_RENDERER_LISTEN": "0.0.0.0:7003",
            "REPORTS_STORE_ADDR": "store:7001",
            "REPORTS_EVIDENCE_BUDGET_CHARS": "500",
            "REPORTS_HINT_THRESHOLD": "0.8",
            "REPORTS_NATS_URL": "nats://nats:4222",
            "REPORTS_LLM_CIRCUIT_FAILURES": "2",
            "REPORTS_LLM_LIMITS": "openai:dev-llm=rpm:60",
            "REPORTS_LLM_PRICES": "claude-x=input:1,output:2",
            "REPORTS_RENDERER_CONCURRENCY": "3",
            "REPORTS_RENDERER_ACK_WAIT_S": "9",
            "REPORTS_RENDERER_MAX_DELIVER": "2",
            "REPORTS_MIN_TARGET_SECONDS": "5",
            "REPORTS_MIN_TARGET_WORDS": "7",
        }
    )
    assert [(r.provider, r.model) for r in settings.routes] == [("openai", "dev-llm"), ("anthropic", "claude-x")]
    assert (settings.listen, settings.store_target, settings.nats_url) == (
        "0.0.0.0:7003",
        "store:7001",
        "nats://nats:4222",
    )
    assert settings.circuits.failures == 2 and settings.budgets == {("openai", "dev-llm"): Budget(rpm=60)}
    assert settings.prices.of("claude-x") is not None
    assert (settings.worker.concurrency, settings.worker.ack_wait_s, settings.worker.max_deliver) == (3, 9.0, 2)
    assert settings.resolving == ResolveSettings(evidence_budget_chars=500, hint_threshold=0.8)
    assert settings.coverage == CoverageRules(min_seconds=5.0, min_words=7)


@pytest.mark.parametrize(
    "name, value",
    [
        ("REPORTS_RENDERER_CONCURRENCY", "0"),
        ("REPORTS_RENDERER_ACK_WAIT_S", "soon"),
        ("REPORTS_LLM_PROVIDER", "acme"),
        ("REPORTS_LLM_LIMITS", "openai"),
        ("REPORTS_LLM_PRICES", "x=input:1"),
        ("REPORTS_MIN_TARGET_WORDS", "-1"),
        ("REPORTS_EVIDENCE_BUDGET_CHARS", "199"),
    ],
)
def test_a_bad_value_is_a_config_error_naming_its_variable(name, value):
    with pytest.raises(ConfigError, match=name):
        RendererSettings.from_env({**DEV, name: value})


def test_without_a_key_or_base_url_the_renderer_is_not_configured():
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        RendererSettings.from_env({})
