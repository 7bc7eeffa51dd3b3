"""LLM routes: REPORTS_LLM_ROUTES="openai:gpt-6.1-sol,anthropic:claude-sonnet-5-5", tried in order.

The first route takes the place of REPORTS_LLM_PROVIDER / REPORTS_LLM_MODEL; each route's client
reads its provider's own key and base URL (OPENAI_API_KEY / OPENAI_BASE_URL, ANTHROPIC_API_KEY /
ANTHROPIC_BASE_URL); everything else (attempts, deadline, timeouts, max tokens) is shared. A call
that fails with an outage is made again at once on the next route whose circuit is closed, and a
streak of outages opens a route's circuit (services/renderer/circuit.py,
REPORTS_LLM_CIRCUIT_FAILURES, REPORTS_LLM_CIRCUIT_COOLDOWN_S): jobs start on the next route until
its cool-down has passed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from services.common import env as envvars
from services.renderer.circuit import CircuitSettings
from services.renderer.llm import DEV_MODEL, KEY_VARS, PROVIDERS, URL_VARS, LlmSettings

ROUTES_VAR = "REPORTS_LLM_ROUTES"


def routes_from_env(env: Mapping[str, str], first: LlmSettings) -> list[LlmSettings]:
    """Every route's settings, in order: `first` alone without REPORTS_LLM_ROUTES."""
    raw = envvars.text(env, ROUTES_VAR, "")
    if not raw:
        return [first]
    routes: list[LlmSettings] = []
    for entry in (e.strip() for e in raw.split(",")):
        provider, colon, model = (s.strip() for s in entry.partition(":"))
        if not colon or provider not in PROVIDERS or not model:
            raise envvars.ConfigError(
                f"{ROUTES_VAR} lists provider:model pairs separated by commas (provider "
                f"openai or anthropic), got {entry[:80]!r}"
            )
        key = envvars.text(env, KEY_VARS[provider], "")
        base_url = envvars.text(env, URL_VARS[provider], "") or None
        if not key and not base_url:
            raise envvars.ConfigError(
                f"{ROUTES_VAR}: the {provider} route needs {KEY_VARS[provider]} or {URL_VARS[provider]}"
            )
        route = dataclasses.replace(
            first,
            provider=provider,
            model=model,
            api_key=key or DEV_MODEL,
            base_url=base_url,
        )
        if route in routes:
            raise envvars.ConfigError(f"{ROUTES_VAR}: {provider}:{model} is listed twice")
        routes.append(route)
    return routes


def circuit_settings(env: Mapping[str, str]) -> CircuitSettings:
    return CircuitSettings(
        failures=envvars.integer(env, "REPORTS_LLM_CIRCUIT_FAILURES", CircuitSettings.failures, minimum=1),
        cooldown_s=envvars.number(env, "REPORTS_LLM_CIRCUIT_COOLDOWN_S", CircuitSettings.cooldown_s, minimum=0.0),
    )
