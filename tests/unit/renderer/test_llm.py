from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from services.common.env import ConfigError
from services.renderer.errors import LlmEnded, LlmInvalidOutput, LlmUnavailable
from services.renderer.llm import (
    DEFAULT_MODELS,
    Llm,
    LlmSettings,
    backoff_delay,
    render,
    settings_from_env,
)
from services.renderer.prompt import Conversation, Turn
from services.renderer.providers.base import (
    Completion,
    EndedFailure,
    FatalFailure,
    TransientFailure,
)
from services.renderer.validate import Problem

GOOD = json.dumps({"ok": True})
CONVERSATION = Conversation("system", (Turn("user", "write it"),))


class FakeProvider:
    """Plays a script: each call pops the next Completion to return or exception to raise."""

    name = "openai"

    def __init__(self, *script: Any) -> None:
        self.script = list(script)
        self.calls: list[Conversation] = []
        self.closed = False

    async def complete(self, conversation: Conversation, schema: dict, model: str, on_progress=None) -> Completion:
        self.calls.append(conversation)
        step = self.script.pop(0)
        if isinstance(step, BaseException):
            raise step
        if step == "hang":
            await asyncio.sleep(60)
        return step

    async def aclose(self) -> None:
        self.closed = True


def _validate(output: dict) -> list[Problem]:
    return [] if output.get("ok") is True else [Problem("$.ok", "must be true")]


def _settings(**overrides: Any) -> LlmSettings:
    fields = dict(
        provider="openai",
        model="test-model",
        api_key="sk-test",
        max_attempts=4,
        backoff_base_s=0.5,
        backoff_max_s=5.0,
        idle_timeout_s=5.0,
    )
    fields.update(overrides)
    return LlmSettings(**fields)


class Sleeps(list):
    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


async def _render(provider: FakeProvider, sleeps: Sleeps | None = None, before_call=None, **settings: Any):
    return await render(
        Llm(_settings(**settings), provider),
        CONVERSATION,
        {},
        _validate,
        before_call=before_call,
        sleep=sleeps if sleeps is not None else Sleeps(),
        jitter=lambda: 1.0,
    )


async def test_render_returns_the_first_valid_answer_when_it_passes():
    provider = FakeProvider(Completion("served-model-1", GOOD))
    result = await _render(provider)
    assert (result.output, result.attempts, result.model, result.provider) == (
        {"ok": True},
        1,
        "served-model-1",
        "openai",
    )


async def test_render_falls_back_to_the_configured_model_when_the_api_names_none():
    result = await _render(FakeProvider(Completion("", GOOD)))
    assert result.model == "test-model"


async def test_render_repairs_with_the_problems_when_the_answer_is_not_json():
    provider = FakeProvider(Completion("m", "{not json"), Completion("m", GOOD))
    sleeps = Sleeps()
    result = await _render(provider, sleeps)
    assert result.attempts == 2
    assert sleeps == []
    repaired = provider.calls[1].turns
    assert [t.role for t in repaired] == ["user", "assistant", "user"]
    assert repaired[1].text == "{not json"
    assert "- $: is not valid JSON (Expecting property name" in repaired[2].text


async def test_render_repairs_with_the_problems_when_validation_fails():
    provider = FakeProvider(Completion("m", '{"ok": false}'), Completion("m", "[1]"), Completion("m", GOOD))
    result = await _render(provider)
    assert result.attempts == 3
    assert "- $.ok: must be true" in provider.calls[1].turns[-1].text
    assert "- $: must be a JSON object" in provider.calls[2].turns[-1].text


async def test_render_treats_a_refusal_as_invalid_output_when_the_provider_flags_it():
    provider = FakeProvider(Completion("m", "I can't help", "the model refused to answer: no"), Completion("m", GOOD))
    result = await _render(provider)
    assert result.attempts == 2
    assert "the model refused to answer" in provider.calls[1].turns[-1].text


async def test_render_honours_retry_after_in_full_when_rate_limited():
    provider = FakeProvider(
        TransientFailure("HTTP 429", retry_after_s=1.0),
        TransientFailure("HTTP 429", retry_after_s=45.0),
        Completion("m", GOOD),
    )
    sleeps = Sleeps()
    result = await _render(provider, sleeps, backoff_max_s=5.0)
    assert result.attempts == 3
    assert sleeps == [1.0, 45.0]
    assert provider.calls[2] == CONVERSATION


async def test_render_fails_at_once_when_the_asked_wait_passes_the_deadline():
    provider = FakeProvider(TransientFailure("HTTP 429", retry_after_s=120.0), Completion("m", GOOD))
    sleeps = Sleeps()
    with pytest.raises(LlmUnavailable, match="asks to wait 120s, more than the 60s left"):
        await _render(provider, sleeps, deadline_s=60.0)
    assert sleeps == [] and len(provider.calls) == 1


@pytest.mark.parametrize(
    "code",
    ["llm_output_truncated", "llm_refused", "llm_content_filtered", "llm_context_exceeded", "llm_quota_exhausted"],
)
async def test_render_ends_with_the_providers_reason_when_a_retry_would_not_help(code):
    provider = FakeProvider(EndedFailure(code, "because"), Completion("m", GOOD))
    with pytest.raises(LlmEnded) as caught:
        await _render(provider, Sleeps())
    assert caught.value.code == code and len(provider.calls) == 1


async def test_render_backs_off_exponentially_when_no_retry_after_is_given():
    provider = FakeProvider(*[TransientFailure("HTTP 500")] * 4, Completion("m", GOOD))
    sleeps = Sleeps()
    result = await _render(provider, sleeps, max_attempts=5, backoff_base_s=0.5, backoff_max_s=3.0)
    assert result.attempts == 5
    assert sleeps == [0.5, 1.0, 2.0, 3.0]


def test_backoff_delay_jitters_within_the_upper_half_when_random():
    settings = _settings(backoff_base_s=1.0, backoff_max_s=20.0)
    assert backoff_delay(settings, 3, None, lambda: 0.0) == 2.0
    assert backoff_delay(settings, 3, None, lambda: 1.0) == 4.0
    assert backoff_delay(settings, 10, None, lambda: 1.0) == 20.0
    assert backoff_delay(settings, 1, 0.0, lambda: 1.0) == 0.0


async def test_render_raises_unavailable_when_transient_failures_spend_the_budget():
    provider = FakeProvider(*[TransientFailure("HTTP 500: boom")] * 3)
    with pytest.raises(LlmUnavailable, match="after 3 attempts; last failure: HTTP 500: boom"):
        await _render(provider, max_attempts=3)
    assert len(provider.calls) == 3


async def test_render_raises_invalid_output_when_bad_answers_spend_the_budget():
    provider = FakeProvider(*[Completion("m", '{"ok": 1}')] * 2)
    with pytest.raises(LlmInvalidOutput) as caught:
        await _render(provider, max_attempts=2)
    assert caught.value.code == "llm_invalid_output"
    assert caught.value.problems == [Problem("$.ok", "must be true")]
    assert "after 2 attempts" in caught.value.message


async def test_render_raises_for_the_last_failure_kind_when_failures_are_mixed():
    provider = FakeProvider(Completion("m", "nope"), TransientFailure("HTTP 529: overloaded"))
    with pytest.raises(LlmUnavailable, match="529"):
        await _render(provider, max_attempts=2)
    provider = FakeProvider(TransientFailure("HTTP 529"), Completion("m", "nope"))
    with pytest.raises(LlmInvalidOutput):
        await _render(provider, max_attempts=2)


async def test_render_stops_at_once_when_the_request_is_rejected():
    provider = FakeProvider(FatalFailure("HTTP 401: bad key", 401), Completion("m", GOOD))
    with pytest.raises(LlmUnavailable, match="rejected the request \\(HTTP 401: bad key\\)") as e:
        await _render(provider)
    assert e.value.code == "llm_unavailable"
    assert len(provider.calls) == 1


async def test_render_fails_at_the_deadline_when_the_provider_hangs():
    provider = FakeProvider("hang", Completion("m", GOOD))
    with pytest.raises(LlmUnavailable, match="within the render's deadline"):
        await _render(provider, deadline_s=0.05)
    assert len(provider.calls) == 1


async def test_render_retries_a_stalled_stream_once_when_it_stalls_once():
    provider = FakeProvider(TransientFailure("cut", stalled=True), Completion("m", GOOD))
    result = await _render(provider, Sleeps())
    assert result.attempts == 2


async def test_render_stops_when_the_stream_stalls_twice():
    stalled = TransientFailure("no streamed chunk within 60s", stalled=True)
    provider = FakeProvider(stalled, TransientFailure("HTTP 500"), stalled, Completion("m", GOOD))
    with pytest.raises(LlmUnavailable, match="stopped arriving twice"):
        await _render(provider, Sleeps())
    assert len(provider.calls) == 3


async def test_render_tells_on_wait_before_waiting_when_rate_limited():
    provider = FakeProvider(TransientFailure("HTTP 429: slow down", retry_after_s=7.0), Completion("m", GOOD))
    heard: list[tuple[float, str]] = []

    async def on_wait(seconds: float, why: str) -> None:
        heard.append((seconds, why))

    await render(Llm(_settings(), provider), CONVERSATION, {}, _validate, sleep=Sleeps(), on_wait=on_wait)
    assert heard == [(7.0, "HTTP 429: slow down")]


async def test_before_call_runs_before_every_call_when_given():
    events: list[str] = []

    async def before_call() -> None:
        events.append(f"before {len(provider.calls)}")

    provider = FakeProvider(TransientFailure("HTTP 500"), Completion("m", "x"), Completion("m", GOOD))
    await _render(provider, before_call=before_call)
    assert events == ["before 0", "before 1", "before 2"]


async def test_before_call_aborts_the_render_when_it_raises():
    class Canceled(Exception):
        pass

    async def before_call() -> None:
        if provider.calls:
            raise Canceled()

    provider = FakeProvider(TransientFailure("HTTP 500"), Completion("m", GOOD))
    with pytest.raises(Canceled):
        await _render(provider, before_call=before_call)
    assert len(provider.calls) == 1


async def test_llm_closes_its_provider_when_used_as_a_context():
    provider = FakeProvider()
    async with Llm(_settings(), provider):
        pass
    assert provider.closed


def test_settings_hide_secrets_when_printed():
    settings = _settings(headers={"x-secret": "s3cret"})
    assert "sk-test" not in repr(settings) and "s3cret" not in repr(settings)


def test_settings_from_env_default_to_the_dev_llm_when_no_key_is_set():
    settings = settings_from_env({"OPENAI_BASE_URL": "http://127.0.0.1:9/v1"})
    assert (settings.provider, settings.model, settings.base_url) == ("openai", "dev-llm", "http://127.0.0.1:9/v1")
    assert (settings.idle_timeout_s, settings.max_attempts) == (60.0, 4)


def test_settings_from_env_pick_anthropic_when_only_its_key_is_set():
    settings = settings_from_env({"ANTHROPIC_API_KEY": "sk-ant"})
    assert (settings.provider, settings.model, settings.api_key, settings.base_url) == (
        "anthropic",
        DEFAULT_MODELS["anthropic"],
        "sk-ant",
        None,
    )
    assert DEFAULT_MODELS["anthropic"] == "claude-sonnet-5-5"


def test_settings_from_env_pick_openai_when_both_keys_are_set():
    settings = settings_from_env({"ANTHROPIC_API_KEY": "a", "OPENAI_API_KEY": "o"})
    assert (settings.provider, settings.model, settings.api_key) == ("openai", DEFAULT_MODELS["openai"], "o")
    assert DEFAULT_MODELS["openai"] == "gpt-6.1-sol"


def test_settings_from_env_read_every_variable_when_set():
    settings = settings_from_env(
        {
            "REPORTS_LLM_PROVIDER": "Anthropic",
            "REPORTS_LLM_MODEL": "claude-x",
            "ANTHROPIC_API_KEY": "k",
            "ANTHROPIC_BASE_URL": "http://proxy:8000",
            "REPORTS_LLM_IDLE_TIMEOUT_S": "12.5",
            "REPORTS_LLM_MAX_ATTEMPTS": "6",
            "REPORTS_LLM_MAX_TOKENS": "4000",
            "REPORTS_LLM_DEADLINE_S": "300",
            "REPORTS_LLM_CHECK_MODEL": "false",
            "REPORTS_LLM_RESPONSE_FORMAT": "json_object",
        }
    )
    assert (settings.provider, settings.model, settings.base_url, settings.idle_timeout_s, settings.max_attempts) == (
        "anthropic",
        "claude-x",
        "http://proxy:8000",
        12.5,
        6,
    )
    assert (settings.max_tokens, settings.deadline_s, settings.check_model) == (4000, 300.0, False)
    assert settings.response_format == "json_object"


@pytest.mark.parametrize(
    "env, message",
    [
        ({"REPORTS_LLM_PROVIDER": "mistral", "OPENAI_API_KEY": "k"}, "REPORTS_LLM_PROVIDER"),
        ({}, "OPENAI_API_KEY or"),
        ({"REPORTS_LLM_PROVIDER": "anthropic", "OPENAI_API_KEY": "k"}, "ANTHROPIC_BASE_URL"),
        ({"OPENAI_API_KEY": "k", "REPORTS_LLM_MAX_ATTEMPTS": "0"}, "REPORTS_LLM_MAX_ATTEMPTS"),
        ({"OPENAI_API_KEY": "k", "REPORTS_LLM_IDLE_TIMEOUT_S": "soon"}, "REPORTS_LLM_IDLE_TIMEOUT_S"),
        ({"OPENAI_API_KEY": "k", "REPORTS_LLM_TIMEOUT_S": "60"}, "REPORTS_LLM_TIMEOUT_S is gone"),
        ({"OPENAI_API_KEY": "k", "REPORTS_LLM_CHECK_MODEL": "maybe"}, "REPORTS_LLM_CHECK_MODEL"),
        ({"OPENAI_API_KEY": "k", "REPORTS_LLM_MAX_TOKENS": "0"}, "REPORTS_LLM_MAX_TOKENS"),
        ({"OPENAI_API_KEY": "k", "REPORTS_LLM_RESPONSE_FORMAT": "xml"}, "REPORTS_LLM_RESPONSE_FORMAT"),
    ],
)
def test_settings_from_env_fail_loudly_when_a_value_is_bad(env, message):
    with pytest.raises(ConfigError, match=message):
        settings_from_env(env)


async def test_on_usage_hears_every_call_with_the_tokens_its_answer_used():
    from services.renderer.providers.base import TokenUsage

    heard: list[tuple[str, str, TokenUsage | None, str, str]] = []
    provider = FakeProvider(
        TransientFailure("HTTP 429", status=429),
        Completion("m-1", "{nope", usage=TokenUsage(10, 2)),
        Completion("", GOOD, usage=TokenUsage(12, 3)),
    )
    await render(
        Llm(_settings(), provider),
        CONVERSATION,
        {},
        _validate,
        sleep=Sleeps(),
        jitter=lambda: 1.0,
        on_usage=lambda *call: heard.append(call),
    )
    assert heard == [
        ("openai", "test-model", None, "http 429", "test-model"),
        ("openai", "m-1", TokenUsage(10, 2), "invalid_output", "test-model"),
        ("openai", "test-model", TokenUsage(12, 3), "ok", "test-model"),
    ]


async def test_on_usage_hears_an_ended_answers_tokens_when_the_render_stops():
    from services.renderer.providers.base import TokenUsage

    heard: list[tuple[str, str, TokenUsage | None, str, str]] = []
    provider = FakeProvider(EndedFailure("llm_output_truncated", "cut", TokenUsage(7, 8192)))
    with pytest.raises(LlmEnded):
        await render(
            Llm(_settings(), provider),
            CONVERSATION,
            {},
            _validate,
            sleep=Sleeps(),
            on_usage=lambda *call: heard.append(call),
        )
    assert heard == [("openai", "test-model", TokenUsage(7, 8192), "llm_output_truncated", "test-model")]
