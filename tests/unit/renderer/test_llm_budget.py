"""The retry loop with a provider budget: a turn before every call (within the render's deadline),
the tokens settled after each answer, a turn past the deadline failing the job at once; and what an
answer's headers teach the budget."""

from __future__ import annotations

from typing import Any

import pytest

from services.renderer.errors import LlmUnavailable
from services.renderer.llm import OUTPUT_GUESS, Llm, render
from services.renderer.providers.base import Completion, TokenUsage, TransientFailure
from services.renderer.shared_budget import BudgetExhausted, observed
from tests.unit.renderer.test_llm import CONVERSATION, GOOD, FakeProvider, _settings, _validate


class FakeBudget:
    """Records the turns asked for and the tokens settled; `refuse` makes the next turn too late."""

    def __init__(self, refuse: float | None = None, contended: bool = False) -> None:
        self.turns: list[tuple[str, str, int, float | None]] = []
        self.settled: list[int] = []
        self.refuse = refuse
        self.contended = contended

    async def admit(
        self, provider: str, model: str, tokens: int, on_wait: Any = None, latest_s: float | None = None
    ) -> bool:
        self.turns.append((provider, model, tokens, latest_s))
        if self.refuse is not None:
            raise BudgetExhausted(self.refuse, contended=self.contended)
        return False

    async def settle(self, provider: str, model: str, extra_tokens: int) -> None:
        self.settled.append(extra_tokens)


async def _no_sleep(seconds: float) -> None:
    return None


async def test_every_call_takes_a_turn_and_settles_what_its_answer_used():
    budget = FakeBudget()
    provider = FakeProvider(TransientFailure("HTTP 500"), Completion("m", GOOD))
    llm = Llm(_settings(deadline_s=100.0), provider, budget=budget)  # type: ignore[arg-type]
    result = await render(llm, CONVERSATION, {}, _validate, sleep=_no_sleep, jitter=lambda: 0.0, clock=lambda: 0.0)
    assert result.attempts == 2 and len(budget.turns) == 2
    provider_name, _model, tokens, latest = budget.turns[0]
    assert (provider_name, latest) == ("openai", 100.0) and tokens > OUTPUT_GUESS
    assert budget.settled == [(len(GOOD) + 3) // 4 - OUTPUT_GUESS]


async def test_the_providers_token_count_settles_when_it_gave_one():
    budget = FakeBudget()
    provider = FakeProvider(Completion("m", GOOD, usage=TokenUsage(input_tokens=4000, output_tokens=500)))
    await render(
        Llm(_settings(), provider, budget=budget),
        CONVERSATION,
        {},
        _validate,  # type: ignore[arg-type]
        sleep=_no_sleep,
        clock=lambda: 0.0,
    )
    reserved = budget.turns[0][2]
    assert budget.settled == [4500 - reserved]


async def test_a_turn_past_the_deadline_fails_at_once_without_calling():
    provider = FakeProvider(Completion("m", GOOD))
    llm = Llm(_settings(deadline_s=10.0), provider, budget=FakeBudget(refuse=60.0))  # type: ignore[arg-type]
    with pytest.raises(LlmUnavailable, match="budget's next turn is 60s away"):
        await render(llm, CONVERSATION, {}, _validate, sleep=_no_sleep, clock=lambda: 0.0)
    assert provider.calls == []


async def test_a_turn_contended_until_the_deadline_fails_at_once_without_calling():
    provider = FakeProvider(Completion("m", GOOD))
    llm = Llm(_settings(deadline_s=10.0), provider, budget=FakeBudget(refuse=0.2, contended=True))  # type: ignore[arg-type]
    with pytest.raises(LlmUnavailable, match="budget stayed contended by other renderers"):
        await render(llm, CONVERSATION, {}, _validate, sleep=_no_sleep, clock=lambda: 0.0)
    assert provider.calls == []


@pytest.mark.parametrize(
    ("status", "headers", "blocked"),
    [
        (200, {"x-ratelimit-remaining-requests": "7", "x-ratelimit-reset-requests": "1s"}, None),
        (
            200,
            {
                "x-ratelimit-remaining-requests": "0",
                "x-ratelimit-reset-requests": "1.5s",
                "x-ratelimit-remaining-tokens": "900",
                "x-ratelimit-reset-tokens": "20s",
            },
            1.5,
        ),
        (
            200,
            {"anthropic-ratelimit-tokens-remaining": "0", "anthropic-ratelimit-tokens-reset": "1970-01-01T00:00:12Z"},
            2.0,
        ),
        (429, {"retry-after": "3", "x-ratelimit-remaining-requests": "5"}, 3.0),
        (500, {"retry-after": "3"}, None),
    ],
)
def test_an_answer_teaches_the_budget_only_when_a_limit_is_spent(status, headers, blocked):
    seen = observed(status, headers, now=10.0)
    assert seen.blocked_s == blocked and seen.answered == (status < 400)
