"""One retry loop over the LLM, whichever provider: we count every call, the SDKs retry nothing.

Per attempt: `before_call()` (the worker checks for cancellation and heartbeats; it may raise to
abort), one SDK call, then:
- a transient failure (429, 408/409, 5xx, 529 overloaded, timeout, connection error) backs off
  and retries the same conversation: the wait the answer asks for (`retry-after-ms`,
  `Retry-After`, else the rate limits' reset time) in full, else exponential with jitter capped
  by `backoff_max_s`; a wait that would pass the render's deadline (`deadline_s`) fails at once;
- an unusable answer (not JSON, against the schema or the template rules) retries at once with
  the answer and its problems fed back as a repair turn;
- an answer the provider ended for a reason a retry would not change (token limit, refusal,
  content filter, context window, quota) stops: `LlmEnded` with its own code;
- a request the API will never accept (400, 401, 403, 404, 422, `x-should-retry: false`, ...)
  stops: `LlmUnavailable`.
When `max_attempts` calls are spent: `LlmUnavailable` if the last failure was transient,
`LlmInvalidOutput` (with the problems) if it was the answer.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Literal

from services.common import env as envvars
from services.common import tracing
from services.renderer.errors import LlmEnded, LlmInvalidOutput, LlmUnavailable, ModelUnavailable
from services.renderer.metrics import LLM_CALLS
from services.renderer.prompt import Conversation, with_repair
from services.renderer.providers.base import (
    Completion,
    EndedFailure,
    FatalFailure,
    ModelMissing,
    OnResponse,
    Progress,
    Provider,
    TokenUsage,
    TransientFailure,
    tokens_of,
)
from services.renderer.shared_budget import BudgetExhausted, OnBudgetWait, SharedBudget, observed
from services.renderer.validate import Problem

log = logging.getLogger(__name__)
_tracer = tracing.tracer("reports.llm")

ProviderName = Literal["openai", "anthropic"]
PROVIDERS: tuple[ProviderName, ...] = ("openai", "anthropic")
DEV_MODEL = "dev-llm"
# The models used when REPORTS_LLM_MODEL is not set: current, not deprecated (checked 2026-12-03
# against developers.openai.com/api/docs/deprecations, where gpt-6.1-sol is the recommended
# replacement for gpt-5, and platform.claude.com/docs models overview, where Claude Sonnet 5.5 is
# the current Sonnet). The README's configuration table names them too.
DEFAULT_MODELS = {"openai": "gpt-6.1-sol", "anthropic": "claude-sonnet-5-5"}
_KEY_VARS = {"openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY"}
_URL_VARS = {"openai": "OPENAI_BASE_URL", "anthropic": "ANTHROPIC_BASE_URL"}

BeforeCall = Callable[[], Awaitable[None]]
OnWait = Callable[[float, str], Awaitable[None]]  # seconds, why: a wait on the provider begins
# After each call: provider, model (as the answer named it, else the configured one), and the
# tokens the answer used (None: the call failed, or the server sent no counts).
OnUsage = Callable[[str, str, TokenUsage | None], None]
Validate = Callable[[dict[str, Any]], list[Problem]]


@dataclass(frozen=True)
class LlmSettings:
    provider: ProviderName
    model: str
    api_key: str = field(repr=False)
    base_url: str | None = None
    idle_timeout_s: float = 60.0     # the longest gap between streamed chunks
    max_attempts: int = 4
    backoff_base_s: float = 2.0
    backoff_max_s: float = 30.0
    max_tokens: int = 8192
    deadline_s: float = 900.0        # the whole render, waits included
    check_model: bool = True         # ask the models endpoint at start
    response_format: str = "json_schema"  # OpenAI path: json_schema, or json_object (llama.cpp)
    # Sent with every request (e.g. a gateway's routing header); may hold secrets, never shown.
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if self.provider not in PROVIDERS:
            raise ValueError(f"unknown LLM provider {self.provider!r}; use openai or anthropic")
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")


@dataclass(frozen=True)
class RenderResult:
    output: dict[str, Any]
    attempts: int
    model: str  # as the API named itself in its answer
    provider: ProviderName


def settings_from_env(env: Mapping[str, str]) -> LlmSettings:
    """LLM settings from the environment; a bad or missing value raises `ConfigError`.

    With no API key for the chosen provider, the model defaults to the dev LLM and its SDK's
    base-URL variable must say where it listens (OpenAI's includes `/v1`, Anthropic's does not).
    """
    openai_key = envvars.text(env, "OPENAI_API_KEY", "")
    anthropic_key = envvars.text(env, "ANTHROPIC_API_KEY", "")
    default = "anthropic" if anthropic_key and not openai_key else "openai"
    provider = envvars.text(env, "REPORTS_LLM_PROVIDER", default).lower()
    if provider not in PROVIDERS:
        raise envvars.ConfigError(
            f"REPORTS_LLM_PROVIDER must be openai or anthropic, got {provider!r}")
    key = openai_key if provider == "openai" else anthropic_key
    base_url = envvars.text(env, _URL_VARS[provider], "") or None
    if not key and not base_url:
        raise envvars.ConfigError(
            f"the {provider} provider needs {_KEY_VARS[provider]} or, for the dev LLM or another "
            f"compatible server, {_URL_VARS[provider]}")
    if envvars.text(env, "REPORTS_LLM_TIMEOUT_S", ""):
        raise envvars.ConfigError(
            "REPORTS_LLM_TIMEOUT_S is gone: answers stream now; set REPORTS_LLM_IDLE_TIMEOUT_S "
            "(the longest gap between chunks, default 60) and REPORTS_LLM_DEADLINE_S (one "
            "render in all, default 900) instead")
    default_model = DEFAULT_MODELS[provider] if key else DEV_MODEL
    return LlmSettings(
        provider=provider,  # type: ignore[arg-type]
        model=envvars.text(env, "REPORTS_LLM_MODEL", default_model),
        api_key=key or DEV_MODEL,
        base_url=base_url,
        idle_timeout_s=envvars.number(env, "REPORTS_LLM_IDLE_TIMEOUT_S", 60.0, minimum=0.001),
        max_attempts=envvars.integer(env, "REPORTS_LLM_MAX_ATTEMPTS", 4, minimum=1),
        backoff_max_s=envvars.number(env, "REPORTS_LLM_BACKOFF_MAX_S", 30.0, minimum=0.0),
        max_tokens=envvars.integer(env, "REPORTS_LLM_MAX_TOKENS", 8192, minimum=1),
        deadline_s=envvars.number(env, "REPORTS_LLM_DEADLINE_S", 900.0, minimum=1.0),
        check_model=_switch(env, "REPORTS_LLM_CHECK_MODEL", True),
        response_format=_choice(env, "REPORTS_LLM_RESPONSE_FORMAT", ("json_schema", "json_object")),
    )


def _choice(env: Mapping[str, str], name: str, choices: tuple[str, ...]) -> str:
    raw = envvars.text(env, name, choices[0]).lower()
    if raw not in choices:
        raise envvars.ConfigError(f"{name} must be one of {', '.join(choices)}, got {raw!r}")
    return raw


def _switch(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = envvars.text(env, name, "").lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise envvars.ConfigError(f"{name} must be true or false, got {raw!r}")


def make_provider(settings: LlmSettings, on_response: OnResponse | None = None) -> Provider:
    common = dict(api_key=settings.api_key, base_url=settings.base_url,
                  timeout_s=settings.idle_timeout_s, headers=settings.headers,
                  max_tokens=settings.max_tokens, on_response=on_response)
    if settings.provider == "anthropic":
        from services.renderer.providers.anthropic_provider import AnthropicProvider

        return AnthropicProvider(**common)  # type: ignore[arg-type]
    from services.renderer.providers.openai_provider import OpenAIProvider

    return OpenAIProvider(response_format=settings.response_format,  # type: ignore[arg-type]
                          **common)


class Llm:
    """One provider client, reused by every render through it; close it when done. With a `budget`
    (services/renderer/shared_budget.py), every call first takes its turn in the provider budget
    shared by all renderers, and every answer's rate-limit headers teach the budget."""

    def __init__(self, settings: LlmSettings, provider: Provider | None = None,
                 budget: SharedBudget | None = None) -> None:
        self.settings = settings
        self.budget = budget
        self.provider = provider if provider is not None else make_provider(
            settings, self._learn if budget is not None else None)

    async def _learn(self, status: int, headers: Mapping[str, str]) -> None:
        if self.budget is not None:
            await self.budget.learn(self.settings.provider, self.settings.model, observed(status, headers))

    async def aclose(self) -> None:
        await self.provider.aclose()

    async def check_model(self) -> None:
        """Raises `ModelUnavailable` with one clear line when the provider does not know the
        configured model (unknown or retired); a no-op when `check_model` is off."""
        if not self.settings.check_model:
            return
        try:
            await self.provider.check_model(self.settings.model)
        except ModelMissing as e:
            raise ModelUnavailable(
                f"{e}; set REPORTS_LLM_MODEL to a current model (default "
                f"{DEFAULT_MODELS[self.settings.provider]}), or REPORTS_LLM_CHECK_MODEL=false for "
                "a gateway without a models endpoint") from e
        except Exception as e:  # unreachable or refusing now: the jobs will say so
            log.warning("could not check the model", extra={
                "provider": self.settings.provider, "model": self.settings.model,
                "reason": f"{type(e).__name__}: {e}"})

    async def __aenter__(self) -> Llm:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.aclose()


async def render(
    llm: Llm | LlmSettings,
    conversation: Conversation,
    schema: dict[str, Any],
    validate: Validate,
    *,
    before_call: BeforeCall | None = None,
    sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    jitter: Callable[[], float] = random.random,
    clock: Callable[[], float] = time.monotonic,
    on_progress: Progress | None = None,
    on_wait: OnWait | None = None,
    on_usage: OnUsage | None = None,
    on_budget_wait: OnBudgetWait | None = None,
) -> RenderResult:
    """The first valid answer, or `LlmUnavailable` / `LlmInvalidOutput` / `LlmEnded` (see the
    module doc). `on_progress` hears the output tokens so far while an answer streams; `on_wait`
    hears each wait on the provider (a rate limit, an outage) before it starts; `on_usage` hears
    every call made, with the tokens its answer used; `on_budget_wait` each wait for the shared
    provider budget (seconds, why) and its end (None).

    The whole render, waits included, ends by `deadline_s`; an answer that stops arriving (no
    chunk within `idle_timeout_s`, or a stream cut mid-way) is retried once, not again.

    Given settings rather than an `Llm`, opens a client for this render and closes it after.
    """
    if isinstance(llm, LlmSettings):
        async with Llm(llm) as opened:
            return await render(opened, conversation, schema, validate, before_call=before_call,
                                sleep=sleep, jitter=jitter, clock=clock,
                                on_progress=on_progress, on_wait=on_wait, on_usage=on_usage,
                                on_budget_wait=on_budget_wait)
    settings, provider = llm.settings, llm.provider
    deadline = clock() + settings.deadline_s
    failure: TransientFailure | list[Problem] | None = None
    usable: RenderResult | None = None  # the latest answer whose only problems are soft
    attempts = 0
    stalls = 0
    while attempts < settings.max_attempts:
        if isinstance(failure, TransientFailure) and failure.stalled:
            stalls += 1
            if stalls > 1:
                raise LlmUnavailable(
                    f"{settings.provider}'s answer stopped arriving twice (last: {failure}); not "
                    f"retried again (REPORTS_LLM_IDLE_TIMEOUT_S={settings.idle_timeout_s:g})")
        if isinstance(failure, TransientFailure):
            wait = backoff_delay(settings, attempts, failure.retry_after_s, jitter)
            left = deadline - clock()
            if wait > left:
                raise LlmUnavailable(
                    f"{settings.provider} asks to wait {wait:.0f}s, more than the {max(left, 0):.0f}s "
                    f"left of the render's deadline (REPORTS_LLM_DEADLINE_S={settings.deadline_s:g}); "
                    f"last failure: {failure}")
            if on_wait is not None:
                await on_wait(wait, str(failure))
            await sleep(wait)
        if before_call is not None:
            await before_call()
        prompt_tokens = tokens_of(conversation_chars(conversation))
        if llm.budget is not None:
            await _take_turn(llm.budget, settings, prompt_tokens + OUTPUT_GUESS, deadline - clock(), on_budget_wait)
        attempts += 1
        attempt_label = str(min(attempts, 10))
        answered: tuple[str, TokenUsage | None] = (settings.model, None)
        try:
            with _tracer.start_as_current_span("llm.call") as span:
                span.set_attribute("llm.provider", settings.provider)
                span.set_attribute("llm.attempt", attempts)
                async with asyncio.timeout(max(deadline - clock(), 0.001)):
                    completion = await provider.complete(conversation, schema, settings.model,
                                                         on_progress)
        except TransientFailure as e:
            LLM_CALLS.labels(settings.provider, "stalled" if e.stalled else "transient",
                             attempt_label).inc()
            failure = e
        except TimeoutError:
            LLM_CALLS.labels(settings.provider, "timeout", attempt_label).inc()
            raise LlmUnavailable(
                f"{settings.provider} gave no complete answer within the render's deadline "
                f"(REPORTS_LLM_DEADLINE_S={settings.deadline_s:g})") from None
        except EndedFailure as e:
            LLM_CALLS.labels(settings.provider, "ended", attempt_label).inc()
            answered = (settings.model, e.usage)
            raise LlmEnded(e.code, f"{settings.provider}: {e}") from e
        except FatalFailure as e:
            LLM_CALLS.labels(settings.provider, "rejected", attempt_label).inc()
            raise LlmUnavailable(f"{settings.provider} rejected the request ({e}); "
                                 "not retried") from e
        else:
            answered = (completion.model or settings.model, completion.usage)
            if llm.budget is not None:   # the provider's count when it gave one, else our estimate
                used = (completion.usage.input_tokens + completion.usage.output_tokens if completion.usage
                        else prompt_tokens + tokens_of(len(completion.text)))
                await llm.budget.settle(settings.provider, settings.model, used - prompt_tokens - OUTPUT_GUESS)
            output, problems = _read(completion, validate)
            LLM_CALLS.labels(settings.provider, "ok" if output is not None and not problems else "invalid_output",
                             attempt_label).inc()
            if output is not None and not problems:
                return RenderResult(output, attempts, completion.model or settings.model,
                                    settings.provider)
            if output is not None and all(p.soft for p in problems):
                usable = RenderResult(output, attempts, completion.model or settings.model,
                                      settings.provider)
            failure = problems
            conversation = with_repair(conversation, completion.text, problems)
        finally:  # every call made is counted, whatever came of it
            if on_usage is not None:
                on_usage(settings.provider, *answered)
        _log_failure(settings, attempts, failure)
    if usable is not None:
        return RenderResult(usable.output, attempts, usable.model, usable.provider)
    if isinstance(failure, list):
        raise LlmInvalidOutput(
            f"no valid report after {attempts} attempts; last problems: {_summary(failure)}",
            failure)
    raise LlmUnavailable(f"{settings.provider} unavailable after {attempts} attempts; "
                         f"last failure: {failure}")


# The output tokens a call is assumed to use when it reserves its turn in a tokens-a-minute budget;
# the difference is settled once its answer is in.
OUTPUT_GUESS = 1500


async def _take_turn(budget: SharedBudget, settings: LlmSettings, tokens: int, left_s: float,
                     on_wait: OnBudgetWait | None) -> None:
    try:
        await budget.admit(settings.provider, settings.model, tokens, on_wait, latest_s=left_s)
    except BudgetExhausted as e:
        raise LlmUnavailable(
            f"the {settings.provider}:{settings.model} budget's next turn is {e.wait_s:.0f}s away, more than "
            f"the {max(left_s, 0):.0f}s left of the render's deadline (REPORTS_LLM_DEADLINE_S="
            f"{settings.deadline_s:g}, REPORTS_LLM_LIMITS)") from None


def conversation_chars(conversation: Conversation) -> int:
    return len(conversation.system) + sum(len(turn.text) for turn in conversation.turns)


def backoff_delay(settings: LlmSettings, attempts: int, retry_after_s: float | None,
                  jitter: Callable[[], float] = random.random) -> float:
    """The wait after the `attempts`-th call failed: what the server asked for, in full (the
    render's deadline bounds it), else `backoff_base_s * 2**(attempts-1)` capped by
    `backoff_max_s`, of which a random half is jitter."""
    if retry_after_s is not None:
        return retry_after_s
    ceiling = min(settings.backoff_max_s, settings.backoff_base_s * 2 ** (attempts - 1))
    return ceiling * (0.5 + jitter() / 2)


def _read(completion: Completion, validate: Validate
          ) -> tuple[dict[str, Any] | None, list[Problem]]:
    if completion.problem:
        return None, [Problem("$", completion.problem)]
    try:
        output = json.loads(completion.text)
    except json.JSONDecodeError as e:
        return None, [Problem("$", f"is not valid JSON ({e.msg} at line {e.lineno} column "
                                   f"{e.colno}); answer with one JSON object")]
    if not isinstance(output, dict):
        return None, [Problem("$", "must be a JSON object")]
    return output, validate(output)


def _log_failure(settings: LlmSettings, attempt: int,
                 failure: TransientFailure | list[Problem] | None) -> None:
    reason = _summary(failure) if isinstance(failure, list) else str(failure)
    log.warning("llm attempt failed", extra={
        "provider": settings.provider, "model": settings.model, "attempt": attempt,
        "max_attempts": settings.max_attempts,
        "failure": "invalid_output" if isinstance(failure, list) else "transient",
        "reason": reason,
    })


def _summary(problems: list[Problem], shown: int = 3) -> str:
    text = "; ".join(f"{p.path}: {p.message}" for p in problems[:shown])
    return text + (f" (+{len(problems) - shown} more)" if len(problems) > shown else "")
