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
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Literal, TypedDict

from services.common import env as envvars
from services.common import tracing
from services.renderer.circuit import Circuit, CircuitSettings
from services.renderer.errors import LlmEnded, LlmInvalidOutput, LlmUnavailable, ModelUnavailable
from services.renderer.metrics import LLM_CALLS, LLM_CIRCUITS_OPENED
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
KEY_VARS = {"openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY"}
URL_VARS = {"openai": "OPENAI_BASE_URL", "anthropic": "ANTHROPIC_BASE_URL"}

BeforeCall = Callable[[], Awaitable[None]]
OnWait = Callable[[float, str], Awaitable[None]]  # seconds, why: a wait on the provider begins
# After each call: provider, model (as the answer named it, else the route's), the tokens the
# answer used (None: the call failed, or the server sent no counts), the call's outcome (ok,
# invalid_output, transient, an HTTP status such as 500, stalled, timeout, an ended code,
# rejected), and the model configured on the route the call went to (what prices a served name).
OnUsage = Callable[[str, str, TokenUsage | None, str, str], None]
Validate = Callable[[dict[str, Any]], list[Problem]]


@dataclass(frozen=True)
class LlmSettings:
    provider: ProviderName
    model: str
    api_key: str = field(repr=False)
    base_url: str | None = None
    idle_timeout_s: float = 60.0  # the longest gap between streamed chunks
    max_attempts: int = 4
    backoff_base_s: float = 2.0
    backoff_max_s: float = 30.0
    max_tokens: int = 8192
    deadline_s: float = 900.0  # the whole render, waits included
    check_model: bool = True  # ask the models endpoint at start
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
        raise envvars.ConfigError(f"REPORTS_LLM_PROVIDER must be openai or anthropic, got {provider!r}")
    key = openai_key if provider == "openai" else anthropic_key
    base_url = envvars.text(env, URL_VARS[provider], "") or None
    if not key and not base_url:
        raise envvars.ConfigError(
            f"the {provider} provider needs {KEY_VARS[provider]} or, for the dev LLM or another "
            f"compatible server, {URL_VARS[provider]}"
        )
    if envvars.text(env, "REPORTS_LLM_TIMEOUT_S", ""):
        raise envvars.ConfigError(
            "REPORTS_LLM_TIMEOUT_S is gone: answers stream now; set REPORTS_LLM_IDLE_TIMEOUT_S "
            "(the longest gap between chunks, default 60) and REPORTS_LLM_DEADLINE_S (one "
            "render in all, default 900) instead"
        )
    default_model = DEFAULT_MODELS[provider] if key else DEV_MODEL
    return LlmSettings(
        provider=provider,
        model=envvars.text(env, "REPORTS_LLM_MODEL", default_model),
        api_key=key or DEV_MODEL,
        base_url=base_url,
        idle_timeout_s=envvars.number(env, "REPORTS_LLM_IDLE_TIMEOUT_S", LlmSettings.idle_timeout_s, minimum=0.001),
        max_attempts=envvars.integer(env, "REPORTS_LLM_MAX_ATTEMPTS", LlmSettings.max_attempts, minimum=1),
        backoff_max_s=envvars.number(env, "REPORTS_LLM_BACKOFF_MAX_S", LlmSettings.backoff_max_s, minimum=0.0),
        max_tokens=envvars.integer(env, "REPORTS_LLM_MAX_TOKENS", LlmSettings.max_tokens, minimum=1),
        deadline_s=envvars.number(env, "REPORTS_LLM_DEADLINE_S", LlmSettings.deadline_s, minimum=1.0),
        check_model=_switch(env, "REPORTS_LLM_CHECK_MODEL", LlmSettings.check_model),
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


class ProviderArgs(TypedDict):
    """What either provider's constructor takes."""

    api_key: str
    base_url: str | None
    timeout_s: float
    headers: Mapping[str, str]
    max_tokens: int
    on_response: OnResponse | None


def make_provider(settings: LlmSettings, on_response: OnResponse | None = None) -> Provider:
    common = ProviderArgs(
        api_key=settings.api_key,
        base_url=settings.base_url,
        timeout_s=settings.idle_timeout_s,
        headers=settings.headers,
        max_tokens=settings.max_tokens,
        on_response=on_response,
    )
    if settings.provider == "anthropic":
        from services.renderer.providers.anthropic_provider import AnthropicProvider

        return AnthropicProvider(**common)
    from services.renderer.providers.openai_provider import OpenAIProvider

    return OpenAIProvider(response_format=settings.response_format, **common)


@dataclass
class Route:
    """One provider and model to call, its client and its circuit."""

    settings: LlmSettings
    provider: Provider
    circuit: Circuit

    def outage(self) -> None:
        if self.circuit.failed():
            LLM_CIRCUITS_OPENED.labels(self.settings.provider, self.settings.model).inc()
            log.warning(
                "llm circuit opened: jobs go to the next route for the cool-down",
                extra={"provider": self.settings.provider, "model": self.settings.model},
            )


class Llm:
    """One provider client, reused by every render through it; close it when done. With a `budget`
    (services/renderer/shared_budget.py), every call first takes its turn in the provider budget
    shared by all renderers, and every answer's rate-limit headers teach the budget."""

    def __init__(
        self,
        settings: LlmSettings,
        provider: Provider | None = None,
        budget: SharedBudget | None = None,
        fallbacks: Sequence[LlmSettings] = (),
        circuits: CircuitSettings = CircuitSettings(),
    ) -> None:
        """`settings` is the first route; `fallbacks` the next ones, in order (REPORTS_LLM_ROUTES)."""
        self.settings = settings
        self.budget = budget
        self.routes = [
            Route(
                s,
                provider if provider is not None and i == 0 else make_provider(s, self._learner(s)),
                Circuit(circuits),
            )
            for i, s in enumerate([settings, *fallbacks])
        ]
        self.provider = self.routes[0].provider

    def _learner(self, settings: LlmSettings) -> OnResponse | None:
        budget = self.budget
        if budget is None:
            return None

        async def learn(status: int, headers: Mapping[str, str]) -> None:
            await budget.learn(settings.provider, settings.model, observed(status, headers))

        return learn

    def route(self, after: Route | None = None) -> Route:
        """Where the next call goes: the first route whose circuit is closed, skipping `after` (whose
        last call was an outage) when another is; with every circuit open, the one closing first."""
        others = [r for r in self.routes if r is not after] or self.routes
        for candidate in others:
            if candidate.circuit.closed():
                return candidate
        return min(self.routes, key=lambda r: r.circuit.opens_in())

    async def aclose(self) -> None:
        for route in self.routes:
            await route.provider.aclose()

    async def check_model(self) -> None:
        """Raises `ModelUnavailable` with one clear line when a route's provider does not know its
        model (unknown or retired); a no-op when `check_model` is off."""
        if not self.settings.check_model:
            return
        for route in self.routes:
            settings = route.settings
            try:
                await route.provider.check_model(settings.model)
            except ModelMissing as e:
                raise ModelUnavailable(
                    f"{e}; set REPORTS_LLM_MODEL (or REPORTS_LLM_ROUTES) to a current model (default "
                    f"{DEFAULT_MODELS[settings.provider]}), or REPORTS_LLM_CHECK_MODEL=false for "
                    "a gateway without a models endpoint"
                ) from e
            except Exception as e:  # noqa: BLE001 - unreachable or refusing now: the jobs will say so
                log.warning(
                    "could not check the model",
                    extra={
                        "provider": settings.provider,
                        "model": settings.model,
                        "reason": f"{type(e).__name__}: {e}",
                    },
                )

    async def __aenter__(self) -> Llm:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
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
            return await render(
                opened,
                conversation,
                schema,
                validate,
                before_call=before_call,
                sleep=sleep,
                jitter=jitter,
                clock=clock,
                on_progress=on_progress,
                on_wait=on_wait,
                on_usage=on_usage,
                on_budget_wait=on_budget_wait,
            )
    settings = llm.settings  # the first route's: the attempts, deadline and backoff of the whole render
    deadline = clock() + settings.deadline_s
    failure: TransientFailure | list[Problem] | None = None
    usable: RenderResult | None = None  # the latest answer whose only problems are soft
    attempts = 0
    stalls = 0
    failed_on: Route | None = None  # the route whose last call was an outage: the next call goes elsewhere
    route = llm.routes[0]
    while attempts < settings.max_attempts:
        if isinstance(failure, TransientFailure) and failure.stalled:
            stalls += 1
            if stalls > 1:
                raise LlmUnavailable(
                    f"{route.settings.provider}'s answer stopped arriving twice (last: {failure}); not "
                    f"retried again (REPORTS_LLM_IDLE_TIMEOUT_S={settings.idle_timeout_s:g})"
                )
        last, route = route, llm.route(after=failed_on)
        if isinstance(failure, TransientFailure) and route is last:  # another route goes at once
            wait = backoff_delay(settings, attempts, failure.retry_after_s, jitter)
            left = deadline - clock()
            if wait > left:
                raise LlmUnavailable(
                    f"{route.settings.provider} asks to wait {wait:.0f}s, more than the {max(left, 0):.0f}s "
                    f"left of the render's deadline (REPORTS_LLM_DEADLINE_S={settings.deadline_s:g}); "
                    f"last failure: {failure}"
                )
            if on_wait is not None:
                await on_wait(wait, str(failure))
            await sleep(wait)
        here, provider = route.settings, route.provider
        if before_call is not None:
            await before_call()
        prompt_tokens = tokens_of(conversation_chars(conversation))
        if llm.budget is not None:
            await _take_turn(llm.budget, here, prompt_tokens + OUTPUT_GUESS, deadline - clock(), on_budget_wait)
        attempts += 1
        attempt_label = str(min(attempts, 10))
        answered: tuple[str, TokenUsage | None] = (here.model, None)
        outcome = "ok"
        try:
            with tracing.span(_tracer, "llm.call") as span:
                span.set_attribute("llm.provider", here.provider)
                span.set_attribute("llm.attempt", attempts)
                async with asyncio.timeout(max(deadline - clock(), 0.001)):
                    completion = await provider.complete(conversation, schema, here.model, on_progress)
        except TransientFailure as e:
            LLM_CALLS.labels(here.provider, "stalled" if e.stalled else "transient", attempt_label).inc()
            outcome = _outcome(e)
            failure = e
            failed_on = route if e.outage else None
            if e.outage:
                route.outage()
            else:
                route.circuit.succeeded()  # it answered: slow down, but it is up
        except TimeoutError:
            outcome = "timeout"
            LLM_CALLS.labels(here.provider, "timeout", attempt_label).inc()
            route.outage()
            raise LlmUnavailable(
                f"{here.provider} gave no complete answer within the render's deadline "
                f"(REPORTS_LLM_DEADLINE_S={settings.deadline_s:g})"
            ) from None
        except EndedFailure as e:
            outcome = e.code
            LLM_CALLS.labels(here.provider, "ended", attempt_label).inc()
            answered = (here.model, e.usage)
            raise LlmEnded(e.code, f"{here.provider}: {e}") from e
        except FatalFailure as e:
            outcome = f"rejected {e.status}" if e.status else "rejected"
            LLM_CALLS.labels(here.provider, "rejected", attempt_label).inc()
            raise LlmUnavailable(f"{here.provider} rejected the request ({e}); not retried") from e
        else:
            route.circuit.succeeded()
            failed_on = None
            answered = (completion.model or here.model, completion.usage)
            if llm.budget is not None:  # the provider's count when it gave one, else our estimate
                used = (
                    completion.usage.input_tokens + completion.usage.output_tokens
                    if completion.usage
                    else prompt_tokens + tokens_of(len(completion.text))
                )
                await llm.budget.settle(here.provider, here.model, used - prompt_tokens - OUTPUT_GUESS)
            output, problems = _read(completion, validate)
            outcome = "ok" if output is not None and not problems else "invalid_output"
            LLM_CALLS.labels(here.provider, outcome, attempt_label).inc()
            if output is not None and not problems:
                return RenderResult(output, attempts, completion.model or here.model, here.provider)
            if output is not None and all(p.soft for p in problems):
                usable = RenderResult(output, attempts, completion.model or here.model, here.provider)
            failure = problems
            conversation = with_repair(conversation, completion.text, problems)
        finally:  # every call made is counted, whatever came of it
            if on_usage is not None:
                on_usage(here.provider, *answered, outcome, here.model)
        _log_failure(here, attempts, failure)
    if usable is not None:
        return RenderResult(usable.output, attempts, usable.model, usable.provider)
    if isinstance(failure, list):
        raise LlmInvalidOutput(
            f"no valid report after {attempts} attempts; last problems: {_summary(failure)}", failure
        )
    raise LlmUnavailable(f"{route.settings.provider} unavailable after {attempts} attempts; last failure: {failure}")


def _outcome(failure: TransientFailure) -> str:
    if failure.stalled:
        return "stalled"
    return f"http {failure.status}" if failure.status is not None else "unreachable"


# The output tokens a call is assumed to use when it reserves its turn in a tokens-a-minute budget;
# the difference is settled once its answer is in.
OUTPUT_GUESS = 1500


async def _take_turn(
    budget: SharedBudget, settings: LlmSettings, tokens: int, left_s: float, on_wait: OnBudgetWait | None
) -> None:
    try:
        await budget.admit(settings.provider, settings.model, tokens, on_wait, latest_s=left_s)
    except BudgetExhausted as e:
        why = (
            "budget stayed contended by other renderers for"
            if e.contended
            else f"budget's next turn is {e.wait_s:.0f}s away, more than"
        )
        raise LlmUnavailable(
            f"the {settings.provider}:{settings.model} {why} the {max(left_s, 0):.0f}s left of the render's "
            f"deadline (REPORTS_LLM_DEADLINE_S={settings.deadline_s:g}, REPORTS_LLM_LIMITS)"
        ) from None


def conversation_chars(conversation: Conversation) -> int:
    return len(conversation.system) + sum(len(turn.text) for turn in conversation.turns)


def backoff_delay(
    settings: LlmSettings, attempts: int, retry_after_s: float | None, jitter: Callable[[], float] = random.random
) -> float:
    """The wait after the `attempts`-th call failed: what the server asked for, in full (the
    render's deadline bounds it), else `backoff_base_s * 2**(attempts-1)` capped by
    `backoff_max_s`, of which a random half is jitter."""
    if retry_after_s is not None:
        return retry_after_s
    ceiling = min(settings.backoff_max_s, settings.backoff_base_s * 2.0 ** (attempts - 1))
    return ceiling * (0.5 + jitter() / 2)


def _read(completion: Completion, validate: Validate) -> tuple[dict[str, Any] | None, list[Problem]]:
    if completion.problem:
        return None, [Problem("$", completion.problem)]
    try:
        output = json.loads(completion.text)
    except json.JSONDecodeError as e:
        return None, [
            Problem(
                "$", f"is not valid JSON ({e.msg} at line {e.lineno} column {e.colno}); answer with one JSON object"
            )
        ]
    if not isinstance(output, dict):
        return None, [Problem("$", "must be a JSON object")]
    return output, validate(output)


def _log_failure(settings: LlmSettings, attempt: int, failure: TransientFailure | list[Problem] | None) -> None:
    reason = _summary(failure) if isinstance(failure, list) else str(failure)
    log.warning(
        "llm attempt failed",
        extra={
            "provider": settings.provider,
            "model": settings.model,
            "attempt": attempt,
            "max_attempts": settings.max_attempts,
            "failure": "invalid_output" if isinstance(failure, list) else "transient",
            "reason": reason,
        },
    )


def _summary(problems: list[Problem], shown: int = 3) -> str:
    text = "; ".join(f"{p.path}: {p.message}" for p in problems[:shown])
    return text + (f" (+{len(problems) - shown} more)" if len(problems) > shown else "")
