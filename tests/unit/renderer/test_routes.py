"""Routes and circuits: REPORTS_LLM_ROUTES parsing, a circuit opened by a streak of outages and
half-open after its cool-down, and the retry loop failing over: an outage is retried at once on the
next route, a 429 waits on the same one, an open circuit makes renders start on the next route."""

from __future__ import annotations

import dataclasses

import pytest

from services.common.env import ConfigError
from services.renderer.circuit import Circuit, CircuitSettings
from services.renderer.llm import Llm, render
from services.renderer.providers.base import Completion, TransientFailure
from services.renderer.routes import circuit_settings, routes_from_env
from tests.unit.renderer.test_llm import CONVERSATION, GOOD, FakeProvider, Sleeps, _settings, _validate

ENV = {"OPENAI_API_KEY": "sk-o", "ANTHROPIC_BASE_URL": "http://127.0.0.1:9"}


def test_routes_replace_the_provider_and_model_and_read_each_providers_key_and_url():
    first, second = routes_from_env(
        {**ENV, "REPORTS_LLM_ROUTES": "openai:gpt-a, anthropic:claude-b"}, _settings(max_attempts=3)
    )
    assert (first.provider, first.model, first.api_key, first.max_attempts) == ("openai", "gpt-a", "sk-o", 3)
    assert (second.provider, second.model, second.base_url) == ("anthropic", "claude-b", "http://127.0.0.1:9")
    assert routes_from_env(ENV, _settings()) == [_settings()]


@pytest.mark.parametrize("routes", ["openai", "mistral:m", "openai:", "openai:a,openai:a", "anthropic:x"])
def test_a_bad_route_is_a_config_error(routes):
    with pytest.raises(ConfigError, match="REPORTS_LLM_ROUTES"):
        routes_from_env({"OPENAI_API_KEY": "k", "REPORTS_LLM_ROUTES": routes}, _settings())


def test_circuit_settings_come_from_the_environment():
    assert circuit_settings({}) == CircuitSettings(5, 30.0)
    assert circuit_settings(
        {"REPORTS_LLM_CIRCUIT_FAILURES": "2", "REPORTS_LLM_CIRCUIT_COOLDOWN_S": "5"}
    ) == CircuitSettings(2, 5.0)


def test_a_streak_of_outages_opens_the_circuit_for_its_cool_down_then_one_call_may_try():
    now = [0.0]
    circuit = Circuit(CircuitSettings(failures=3, cooldown_s=10.0), clock=lambda: now[0])
    assert [circuit.failed() for _ in range(2)] == [False, False]
    circuit.succeeded()  # the streak is broken
    assert [circuit.failed() for _ in range(3)] == [False, False, True]
    assert not circuit.closed() and circuit.opens_in() == 10.0
    now[0] = 10.0
    assert circuit.closed()  # half-open
    assert circuit.failed() and not circuit.closed()  # one more outage: open again
    now[0] = 20.0
    circuit.succeeded()
    assert circuit.closed() and circuit.opens_in() == 0.0


def _two_routes(first: FakeProvider, second: FakeProvider, failures: int = 5) -> Llm:
    settings = _settings()
    llm = Llm(
        settings,
        first,
        fallbacks=[dataclasses.replace(settings, provider="anthropic", model="claude-b")],
        circuits=CircuitSettings(failures=failures, cooldown_s=60.0),
    )
    llm.routes[1].provider = second
    return llm


async def test_an_outage_is_retried_at_once_on_the_next_route_which_answers():
    second = FakeProvider(Completion("claude-b-2026", GOOD))
    llm = _two_routes(FakeProvider(TransientFailure("HTTP 529", status=529)), second)
    sleeps, heard = Sleeps(), []
    result = await render(llm, CONVERSATION, {}, _validate, sleep=sleeps, on_usage=lambda *c: heard.append(c))
    assert (result.provider, result.model, result.attempts) == ("anthropic", "claude-b-2026", 2)
    assert sleeps == []  # another provider: no backoff
    assert [(p, m, outcome) for p, m, _t, outcome, _route in heard] == [
        ("openai", "test-model", "http 529"),
        ("anthropic", "claude-b-2026", "ok"),
    ]
    assert [route_model for *_call, route_model in heard] == [r.settings.model for r in llm.routes]


async def test_a_429_waits_on_the_same_route():
    first = FakeProvider(TransientFailure("HTTP 429", retry_after_s=2.0, status=429), Completion("m", GOOD))
    sleeps = Sleeps()
    result = await render(_two_routes(first, FakeProvider()), CONVERSATION, {}, _validate, sleep=sleeps)
    assert (result.provider, result.attempts, sleeps) == ("openai", 2, [2.0])


async def test_an_open_circuit_sends_the_next_renders_to_the_next_route_first():
    first = FakeProvider(TransientFailure("no answer", stalled=True))
    second = FakeProvider(Completion("c", GOOD), Completion("c", GOOD))
    llm = _two_routes(first, second, failures=1)
    assert (await render(llm, CONVERSATION, {}, _validate, sleep=Sleeps())).provider == "anthropic"
    assert not llm.routes[0].circuit.closed()
    assert (await render(llm, CONVERSATION, {}, _validate, sleep=Sleeps())).attempts == 1
    assert len(first.calls) == 1  # the open route was not called again


async def test_with_every_circuit_open_the_one_closing_first_is_tried():
    llm = _two_routes(FakeProvider(Completion("m", GOOD)), FakeProvider(), failures=1)
    llm.routes[1].circuit.failed()
    llm.routes[0].circuit.failed()  # opened last: closes last
    assert llm.route() is llm.routes[1]
