"""A job's usage through the real SDKs: the tokens the renderer counts are the tokens the dev LLM
says it served, for both providers, summed over a repair turn, and priced by the table."""

from __future__ import annotations

import pytest

from services.domain.prompt_seeds import seed_for
from services.renderer.errors import LlmEnded
from services.renderer.llm import Llm, LlmSettings
from services.renderer.pipeline import write_report
from services.renderer.usage import Price, PriceTable, UsageMeter
from tests.integration.renderer.test_write_report import _evidence
from tests.support import plain_http
from tests.support.devllm import running_devllm

PRICE = Price(input_per_million=1.5, output_per_million=6.0)


def _settings(url: str, provider: str, model: str) -> LlmSettings:
    return LlmSettings(
        provider=provider,  # type: ignore[arg-type]
        model=model,
        api_key="dev",
        base_url=f"{url}/v1" if provider == "openai" else url,
        idle_timeout_s=5.0,
        max_attempts=3,
        backoff_base_s=0.01,
        backoff_max_s=0.05,
    )


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
@pytest.mark.parametrize(("knobs", "attempts"), [("", 1), ("+fail=not_json*1", 2)])
async def test_usage_equals_what_the_dev_llm_served_when_a_report_is_written(provider, knobs, attempts):
    with running_devllm() as url:
        meter = UsageMeter(PriceTable({"dev-llm": PRICE}), "tenant-a")
        async with Llm(_settings(url, provider, f"dev-llm{knobs}")) as llm:
            await write_report(
                llm, seed_for("sales_playbook"), "sales_playbook", _evidence("usage"), {}, on_usage=meter
            )
        served = plain_http.get(f"{url}/stats").json()["served"]["dev-llm"]

    assert served["answers"] == attempts
    assert (meter.input_tokens, meter.output_tokens, meter.attempts) == (
        served["inputTokens"],
        served["outputTokens"],
        attempts,
    )
    usage = meter.message()
    assert usage is not None and (usage.provider, usage.model) == (provider, "dev-llm")
    assert usage.cost_usd == pytest.approx((served["inputTokens"] * 1.5 + served["outputTokens"] * 6.0) / 1e6)
    assert usage.cost_usd > 0


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
async def test_a_truncated_answer_is_counted_when_the_job_ends_with_it(provider):
    with running_devllm() as url:
        meter = UsageMeter(PriceTable({"dev-llm": PRICE}), "tenant-a")
        async with Llm(_settings(url, provider, "dev-llm+fail=truncate")) as llm:
            with pytest.raises(LlmEnded):
                await write_report(
                    llm, seed_for("sales_playbook"), "sales_playbook", _evidence("cut"), {}, on_usage=meter
                )
        served = plain_http.get(f"{url}/stats").json()["served"]["dev-llm"]

    assert (meter.attempts, meter.input_tokens, meter.output_tokens) == (
        1,
        served["inputTokens"],
        served["outputTokens"],
    )
    assert meter.output_tokens > 0
