from __future__ import annotations

import pytest

from services.common.env import ConfigError
from services.renderer.providers.base import TokenUsage
from services.renderer.usage import (
    DEFAULT_PRICES,
    LLM_COST,
    UNPRICED_CALLS,
    Price,
    PriceTable,
    UsageMeter,
    prices_from_env,
)


def test_the_defaults_price_the_default_models_when_nothing_is_configured():
    table = prices_from_env({})
    assert table.of("gpt-6.1-sol") == Price(2.0, 10.0)
    assert table.of("claude-sonnet-5-5") == Price(2.0, 10.0)
    assert table.of("dev-llm") == Price(0.0, 0.0)


def test_an_entry_replaces_its_models_default_and_adds_others_when_configured():
    table = prices_from_env({"REPORTS_LLM_PRICES": "gpt-6.1-sol=input:1.25,output:5; my-model=output:2,input:0.5"})
    assert table.of("gpt-6.1-sol") == Price(1.25, 5.0)
    assert table.of("my-model") == Price(0.5, 2.0)
    assert table.of("claude-sonnet-5-5") == DEFAULT_PRICES["claude-sonnet-5-5"]


@pytest.mark.parametrize(
    "raw",
    [
        "gpt",
        "gpt=input:1",
        "gpt=input:1,output:x",
        "gpt=input:1,output:2,cached:1",
        "=input:1,output:2",
        "gpt=input:-1,output:2",
        "gpt=input:1,input:2",
        "bad model=input:1,output:2",
        "gpt=input:1e9,output:2",
    ],
)
def test_a_bad_price_entry_is_a_config_error_naming_the_variable(raw):
    with pytest.raises(ConfigError, match="REPORTS_LLM_PRICES"):
        prices_from_env({"REPORTS_LLM_PRICES": raw})


def test_a_dated_snapshot_takes_its_models_price_when_it_has_none_of_its_own():
    table = PriceTable({"gpt-6.1-sol": Price(2, 10), "gpt-6": Price(9, 9)})
    assert table.of("gpt-6.1-sol-2026-09-29") == Price(2, 10)
    assert table.of("served-name", route_model="gpt-6") == Price(9, 9)
    assert table.of("unknown") is None


def test_an_answer_is_priced_by_its_own_model_before_its_routes():
    table = PriceTable({"gpt-6.1-sol": Price(2, 10), "claude-opus-x": Price(15, 75)})
    assert table.of("claude-opus-x-20261101", route_model="gpt-6.1-sol") == Price(15, 75)


def test_a_fallback_routes_call_is_priced_as_its_own_model_not_the_first_routes():
    meter = UsageMeter(
        PriceTable({"gpt-6.1-sol": Price(2, 10), "claude-opus-x": Price(15, 75)}), "tenant-unit-fallback"
    )
    meter("anthropic", "claude-opus-x-20261101", TokenUsage(1000, 100), "ok", "claude-opus-x")
    usage = meter.message()
    assert usage is not None and usage.cost_usd == pytest.approx((1000 * 15 + 100 * 75) / 1e6)


def test_a_fallback_routes_unpriced_model_is_counted_unpriced_not_priced_as_the_first_route():
    meter = UsageMeter(PriceTable({"gpt-6.1-sol": Price(2, 10)}), "tenant-unit-unpriced")
    before = UNPRICED_CALLS.labels("claude-opus-x-20261101")._value.get()
    meter("anthropic", "claude-opus-x-20261101", TokenUsage(1000, 100), "ok", "claude-opus-x")
    usage = meter.message()
    assert usage is not None and usage.cost_usd == 0.0
    assert UNPRICED_CALLS.labels("claude-opus-x-20261101")._value.get() == before + 1


def test_the_meter_sums_every_call_and_prices_each_by_its_model():
    meter = UsageMeter(PriceTable({"a": Price(1, 2), "b": Price(10, 20)}), "tenant-unit-meter")
    meter("openai", "a", TokenUsage(1000, 500))
    meter("openai", "a", None)  # a 429: an attempt, no tokens
    meter("anthropic", "b", TokenUsage(100, 10))
    usage = meter.message()
    assert usage is not None
    assert (usage.input_tokens, usage.output_tokens, usage.attempts, usage.provider, usage.model) == (
        1100,
        510,
        3,
        "anthropic",
        "b",
    )
    assert usage.cost_usd == pytest.approx((1000 * 1 + 500 * 2 + 100 * 10 + 10 * 20) / 1e6)
    assert LLM_COST.labels("tenant-unit-meter", "anthropic", "b")._value.get() == pytest.approx(1200 / 1e6)


def test_an_unpriced_model_costs_nothing_but_its_tokens_count():
    meter = UsageMeter(PriceTable({}), "t")
    meter("openai", "mystery", TokenUsage(10, 5))
    usage = meter.message()
    assert usage is not None and (usage.input_tokens, usage.output_tokens, usage.cost_usd) == (10, 5, 0.0)


def test_the_meter_has_no_usage_when_no_call_was_made():
    assert UsageMeter(PriceTable(), "t").message() is None
