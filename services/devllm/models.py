"""The model ids the dev LLM answers to, per provider, as the real models endpoints list them.

An id outside these lists answers 404, as a retired or unknown id does on the real APIs
(OpenAI docs: guides/error-codes, 404 "The model does not exist or you do not have access to
it"; Anthropic docs: api/errors, 404 `not_found_error`; both: about-claude/model-deprecations and
api/docs/deprecations say requests to a retired model fail). `dev-llm` and `dev-llm-*` (with knob
suffixes) are always served and behave like the provider's current default model.
"""

from __future__ import annotations

from .knobs import split_model

DEV_PREFIX = "dev-llm"
# Current ids, checked 2026-12-03 against the installed SDKs' model lists and the providers'
# deprecation pages (retired or shut-down ids left out on purpose).
OPENAI = (
    "gpt-6.2-sol",
    "gpt-6.2-astra",
    "gpt-6.1-sol",
    "gpt-6.1-terra",
    "gpt-6-sol",
    "gpt-6-luna",
    "gpt-6-astra",
    "gpt-5.6-sol",
    "gpt-5.6-terra",
    "gpt-5.6-luna",
    "gpt-5.5",
    "gpt-5.4",
    "gpt-4o-2024-08-06",
    "gpt-4.1-2025-04-14",  # deprecated, served until 2027-01-14
)
ANTHROPIC = (
    "claude-sonnet-5-5",
    "claude-opus-5-5",
    "claude-haiku-5-5",
    "claude-sonnet-5",
    "claude-opus-5",
    "claude-fable-5-2",
    "claude-fable-5-1",
    "claude-opus-4-8",
    "claude-sonnet-4-6",
    "claude-haiku-4-5",
    "claude-haiku-4-5-20251001",
)
CATALOG = {"openai": OPENAI, "anthropic": ANTHROPIC}
# OpenAI reasoning models reject `max_tokens` (docs: api-reference/chat/create, "max_tokens ... is
# not compatible with o-series / reasoning models"; use max_completion_tokens). The dev model
# behaves like the current default, a reasoning model.
_OPENAI_NON_REASONING = ("gpt-4o-2024-08-06", "gpt-4.1-2025-04-14")
# Anthropic models with thinking on by default (adaptive thinking from the Claude 5 line on; docs:
# models overview "Thinking: Adaptive"), which reject forced tool use.
_ANTHROPIC_NO_DEFAULT_THINKING = (
    "claude-haiku-4-5",
    "claude-haiku-4-5-20251001",
    "claude-sonnet-4-6",
    "claude-opus-4-8",
)


def base_of(model: str) -> str:
    return split_model(model)[0]


def is_dev(model: str) -> bool:
    return base_of(model).startswith(DEV_PREFIX)


def known(provider: str, model: str) -> bool:
    base = base_of(model)
    return base.startswith(DEV_PREFIX) or base in CATALOG[provider]


def listed(provider: str) -> tuple[str, ...]:
    return (f"{DEV_PREFIX}-1", *CATALOG[provider])


def is_reasoning(model: str) -> bool:
    return base_of(model) not in _OPENAI_NON_REASONING


def thinks_by_default(model: str) -> bool:
    return base_of(model) not in _ANTHROPIC_NO_DEFAULT_THINKING
