"""What a job's LLM calls cost: token counts from each answer, priced by a table per model.

    REPORTS_LLM_PRICES="gpt-6.1-sol=input:2,output:10;my-model=input:0.5,output:1.5"

Prices are US dollars per million tokens, input and output; an entry replaces the default for
that model, other defaults stay. The defaults (`DEFAULT_PRICES`) are the providers' standard
rates for the default models as read on `PRICES_READ_ON`; cached-input discounts and long-context
surcharges are not modelled (cached input is priced as input), so a figure is the list price of
the tokens counted, not the provider's invoice. A model without a price costs 0 and is counted in
`renderer_llm_unpriced_calls_total`; the renderer warns at start when its configured model has none.

A `UsageMeter` per job hears every call (`llm.render`'s `on_usage`, with the model of the route
the call went to), adds its tokens and cost, counts them in Prometheus by tenant, provider and model, and gives the job's `JobUsage`.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from prometheus_client import Counter

from reports.v1 import job_pb2
from services.common.env import ConfigError
from services.renderer.providers.base import TokenUsage

log = logging.getLogger(__name__)

PRICES_VAR = "REPORTS_LLM_PRICES"
PRICES_READ_ON = "2026-12-03"
_MILLION = 1_000_000
_NUMBER = re.compile(r"^[0-9]{1,6}(\.[0-9]{1,6})?$")
_MODEL = re.compile(r"^[A-Za-z0-9._:/@+-]{1,128}$")

LLM_TOKENS = Counter(
    "renderer_llm_tokens_total",
    "Tokens the LLM answers used, by tenant, provider, model and kind (input, output)",
    ["tenant", "provider", "model", "kind"],
)
LLM_COST = Counter(
    "renderer_llm_cost_usd_total",
    "The list price of those tokens in US dollars (REPORTS_LLM_PRICES)",
    ["tenant", "provider", "model"],
)
UNPRICED_CALLS = Counter(
    "renderer_llm_unpriced_calls_total", "LLM calls whose model has no price (cost counted as 0)", ["model"]
)


@dataclass(frozen=True)
class Price:
    input_per_million: float
    output_per_million: float

    def cost(self, tokens: TokenUsage) -> float:
        return (
            tokens.input_tokens * self.input_per_million + tokens.output_tokens * self.output_per_million
        ) / _MILLION


# Standard rates, USD per million tokens, read on PRICES_READ_ON: claude-sonnet-5-5 from Anthropic's
# model page (platform.claude.com/docs, models/sonnet-5-5/overview: $2 input, $10 output);
# gpt-6.1-sol as several copies of OpenAI's model page quote it (developers.openai.com/api/docs/
# models/gpt-6.1-sol: $2 input, $10 output; the page itself was not available to read). The dev
# LLM is free.
DEFAULT_PRICES: dict[str, Price] = {
    "gpt-6.1-sol": Price(2.0, 10.0),
    "claude-sonnet-5-5": Price(2.0, 10.0),
    "dev-llm": Price(0.0, 0.0),
}


@dataclass(frozen=True)
class PriceTable:
    prices: Mapping[str, Price] = field(default_factory=lambda: dict(DEFAULT_PRICES))

    def of(self, model: str, route_model: str = "") -> Price | None:
        """The price of `model` (as an answer named it): its own entry, else the longest entry it
        starts with (a dated snapshot, `gpt-6.1-sol-2026-09-29`); only when the answer's name has
        none, the same lookup for `route_model`, the model configured on the route that answered
        (a provider that answers with a served name). Never another route's model: a fallback
        route's call is priced by its own model or counted as unpriced."""
        for name in (model, route_model):
            price = self._named(name)
            if price is not None:
                return price
        return None

    def _named(self, model: str) -> Price | None:
        if not model:
            return None
        if model in self.prices:
            return self.prices[model]
        stems = [name for name in self.prices if model.startswith(name + "-")]
        return self.prices[max(stems, key=len)] if stems else None


def prices_from_env(env: Mapping[str, str]) -> PriceTable:
    """The defaults, with REPORTS_LLM_PRICES's entries over them; a bad entry is a ConfigError."""
    prices = dict(DEFAULT_PRICES)
    raw = env.get(PRICES_VAR, "").strip()
    for entry in filter(None, (e.strip() for e in raw.split(";"))):
        model, sep, rates = entry.partition("=")
        model = model.strip()
        if not sep or not _MODEL.match(model):
            raise ConfigError(f"{PRICES_VAR}: each entry is MODEL=input:N,output:N, got {entry!r}")
        values: dict[str, float] = {}
        for part in rates.split(","):
            name, _, number = part.strip().partition(":")
            if name not in ("input", "output") or name in values or not _NUMBER.match(number.strip()):
                raise ConfigError(
                    f"{PRICES_VAR}: {model} needs input:N and output:N (US dollars per million "
                    f"tokens, at most 6 decimals), got {rates!r}"
                )
            values[name] = float(number)
        if set(values) != {"input", "output"} or not all(math.isfinite(v) for v in values.values()):
            raise ConfigError(f"{PRICES_VAR}: {model} needs both input:N and output:N, got {rates!r}")
        prices[model] = Price(values["input"], values["output"])
    return PriceTable(prices)


class UsageMeter:
    """One job's usage: called once per LLM call (`llm.OnUsage`)."""

    def __init__(self, prices: PriceTable, tenant: str) -> None:
        self._prices = prices
        self._tenant = tenant
        self.input_tokens = 0
        self.output_tokens = 0
        self.attempts = 0
        self.cost_usd = 0.0
        self.provider = ""
        self.model = ""
        self.calls: list[job_pb2.JobCall] = []  # every call in order: provider, model, outcome

    def __call__(
        self, provider: str, model: str, tokens: TokenUsage | None, outcome: str = "ok", route_model: str = ""
    ) -> None:
        """One call: `model` as the answer named it, `route_model` the model of the route it went to."""
        self.attempts += 1
        self.provider, self.model = provider, model
        self.calls.append(job_pb2.JobCall(provider=provider, model=model, outcome=outcome))
        if tokens is None:
            return
        self.input_tokens += tokens.input_tokens
        self.output_tokens += tokens.output_tokens
        LLM_TOKENS.labels(self._tenant, provider, model, "input").inc(tokens.input_tokens)
        LLM_TOKENS.labels(self._tenant, provider, model, "output").inc(tokens.output_tokens)
        price = self._prices.of(model, route_model)
        if price is None:
            UNPRICED_CALLS.labels(model).inc()
            return
        cost = price.cost(tokens)
        self.cost_usd += cost
        LLM_COST.labels(self._tenant, provider, model).inc(cost)

    def message(self) -> job_pb2.JobUsage | None:
        """The job's usage, or None when no call was made."""
        if self.attempts == 0:
            return None
        return job_pb2.JobUsage(
            input_tokens=self.input_tokens,
            output_tokens=self.output_tokens,
            attempts=self.attempts,
            provider=self.provider,
            model=self.model,
            cost_usd=round(self.cost_usd, 9),
            calls=self.calls,
        )


def warn_if_unpriced(prices: PriceTable, model: str) -> None:
    if prices.of(model) is None:
        log.warning(
            "the configured model has no price: its jobs' costUsd reads 0", extra={"model": model, "set": PRICES_VAR}
        )
