"""Provider budgets: REPORTS_LLM_LIMITS parsing and the schedule arithmetic (pure, time as an argument)."""

from __future__ import annotations

import pytest

from services.common.env import ConfigError
from services.renderer import budgets
from services.renderer.budgets import Budget, Observed, Schedule


def test_limits_parse_per_provider_and_model():
    parsed = budgets.parse({"REPORTS_LLM_LIMITS": "openai:gpt-x=rpm:500,tpm:200000; anthropic:claude-s=rpm:50"})
    assert parsed == {("openai", "gpt-x"): Budget(500, 200000), ("anthropic", "claude-s"): Budget(rpm=50)}
    assert budgets.parse({}) == {}


@pytest.mark.parametrize(
    "bad",
    [
        "gpt-x=rpm:5",
        "mistral:m=rpm:5",
        "openai:m=rpm:0",
        "openai:m=rpm:5,rpm:6",
        "openai:m=rph:5",
        "openai:m=",
        "openai:m=rpm:5;openai:m=tpm:9",
        "openai:m=rpm:-1",
    ],
)
def test_a_bad_entry_is_a_config_error_naming_the_variable(bad):
    with pytest.raises(ConfigError, match="REPORTS_LLM_LIMITS"):
        budgets.parse({"REPORTS_LLM_LIMITS": bad})


def test_calls_are_spaced_one_interval_apart_and_the_first_goes_at_once():
    schedule, waits = Schedule(), []
    for _ in range(4):
        reservation = budgets.reserve(schedule, Budget(rpm=120), 0, now=100.0)
        schedule, waits = reservation.schedule, [*waits, reservation.wait_s]
    assert waits == [0.0, 0.5, 1.0, 1.5]
    assert budgets.reserve(schedule, Budget(rpm=120), 0, now=200.0).wait_s == 0.0  # idle: at once again


def test_tokens_allow_one_seconds_worth_at_once_then_wait_for_the_rest():
    budget = Budget(tpm=6000)  # 100 tokens a second
    first = budgets.reserve(Schedule(), budget, 100, now=0.0)
    assert first.wait_s == 0.0
    second = budgets.reserve(first.schedule, budget, 300, now=0.0)
    assert second.wait_s == pytest.approx(1.0)  # the first call's second, then 300 at once (a big call)
    refunded = budgets.settle(second.schedule, budget, -300)
    assert budgets.reserve(refunded, budget, 100, now=0.0).wait_s == pytest.approx(1.0)


def test_without_a_budget_nothing_waits_but_a_spent_provider_limit():
    assert budgets.reserve(Schedule(), Budget(), 5000, now=10.0).wait_s == 0.0
    held = budgets.learn(Schedule(), Observed(blocked_s=2.5), now=10.0)
    assert budgets.reserve(held, Budget(), 5000, now=10.0).wait_s == pytest.approx(2.5)
    assert budgets.learn(held, Observed(blocked_s=1.0), now=10.0) == held  # never earlier
    assert budgets.learn(held, Observed(), now=10.0) == held


def test_an_answer_at_the_providers_edge_holds_a_paced_budget_back_one_interval_not_until_full():
    at_edge = Observed(blocked_s=0.95, answered=True)  # remaining 0, reset: full again in 0.95 s
    assert budgets.hold_back(at_edge, Budget(rpm=600)).blocked_s == pytest.approx(0.1)
    assert budgets.hold_back(Observed(blocked_s=0.05, answered=True), Budget(rpm=600)).blocked_s == 0.05
    assert budgets.hold_back(at_edge, Budget()) == at_edge  # no budget pacing the calls: the reset
    refused = Observed(blocked_s=2.0)  # a 429 says how long, and is heeded
    assert budgets.hold_back(refused, Budget(rpm=600)) == refused


def test_a_schedule_survives_its_encoding_and_garbage_reads_as_empty():
    schedule = Schedule(1.5, 2.25, 3.0)
    assert Schedule.decode(schedule.encode()) == schedule
    assert Schedule.decode(b"nonsense") == Schedule()
    assert Schedule.decode(None) == Schedule()
