"""The renderer's start-up model check against the dev LLM's real models endpoints."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from services.renderer.errors import ModelUnavailable
from services.renderer.llm import Llm, LlmSettings
from tests.support.devllm import ROOT

PROVIDERS = ["openai", "anthropic"]
RETIRED = {"openai": "gpt-4-0613", "anthropic": "claude-sonnet-4-5"}


def _settings(devllm_url, provider: str, model: str, check: bool = True) -> LlmSettings:
    base_url = f"{devllm_url}/v1" if provider == "openai" else devllm_url
    return LlmSettings(
        provider=provider,  # type: ignore[arg-type]
        model=model,
        api_key="dev",
        base_url=base_url,
        check_model=check,
    )


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_check_passes_when_the_model_is_current(devllm_url, provider):
    model = {"openai": "gpt-6.1-sol", "anthropic": "claude-sonnet-5-5"}[provider]
    async with Llm(_settings(devllm_url, provider, model)) as llm:
        await llm.check_model()


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_check_fails_with_one_clear_line_when_the_model_is_retired(devllm_url, provider):
    async with Llm(_settings(devllm_url, provider, RETIRED[provider])) as llm:
        with pytest.raises(ModelUnavailable) as caught:
            await llm.check_model()
    assert RETIRED[provider] in str(caught.value) and "REPORTS_LLM_MODEL" in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_check_is_skipped_when_turned_off(devllm_url, provider):
    async with Llm(_settings(devllm_url, provider, RETIRED[provider], check=False)) as llm:
        await llm.check_model()


def test_renderer_exits_2_at_start_when_the_model_is_retired(devllm_url):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REPORTS_", "OPENAI_", "ANTHROPIC_"))}
    env |= {
        "OPENAI_API_KEY": "dev",
        "OPENAI_BASE_URL": f"{devllm_url}/v1",
        "REPORTS_LLM_MODEL": "gpt-4-0613",
        "REPORTS_NATS_URL": "nats://127.0.0.1:1",
    }
    done = subprocess.run(
        [sys.executable, "-m", "services.renderer"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2, done.stderr
    assert "gpt-4-0613" in done.stderr + done.stdout
