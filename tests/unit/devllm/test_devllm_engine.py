"""The engine: fail counting per conversation, and the invalid outputs it writes on purpose."""

from __future__ import annotations

import json

import jsonschema
import pytest

from services.devllm import faults
from services.devllm.engine import Answer, Engine, Failure, model_name
from services.devllm.knobs import parse_knobs
from services.devllm.prompt import Prompt
from services.devllm.testing import report_schema, sample_data
from services.domain import prompt_data

SCHEMA = report_schema("sales_playbook", quotes=True)


def _prompt(user: str = "Write the report.", *, model: str = "dev-llm", max_tokens=None) -> Prompt:
    first_user = f"{user}\n{prompt_data.encode(sample_data())}"
    return Prompt(
        model=model,
        system="You write reports.",
        first_user=first_user,
        texts=("You write reports.", first_user),
        schema=SCHEMA,
        max_tokens=max_tokens,
    )


def _run(engine: Engine, prompt: Prompt, header: str | None = None):
    plan = engine.plan(prompt, parse_knobs(prompt.model, header))
    return engine.answer(prompt, plan)


def test_fail_applies_first_n_times_when_it_has_a_count():
    engine = Engine()
    prompt = _prompt(model="dev-llm+fail=500*2")

    outcomes = [_run(engine, prompt) for _ in range(3)]

    assert [type(o).__name__ for o in outcomes] == ["Failure", "Failure", "Answer"]


def test_conversations_are_counted_apart_when_first_user_text_differs():
    engine = Engine()

    first = _run(engine, _prompt("one", model="dev-llm+fail=429*1"))
    other = _run(engine, _prompt("two", model="dev-llm+fail=429*1"))

    assert isinstance(first, Failure) and isinstance(other, Failure)
    assert first.retry_after_ms == 1000


def test_fail_applies_every_time_when_it_has_no_count():
    engine = Engine()
    prompt = _prompt(model="dev-llm+fail=529")

    assert all(isinstance(_run(engine, prompt), Failure) for _ in range(4))


def test_answer_is_schema_valid_json_when_no_knob():
    answer = _run(Engine(), _prompt())

    assert isinstance(answer, Answer) and answer.kind == "report" and answer.outcome == "ok"
    jsonschema.validate(json.loads(answer.text), SCHEMA)


def test_answer_breaks_the_schema_when_fail_bad_schema():
    answer = _run(Engine(), _prompt(model="dev-llm+fail=bad_schema"))

    report = json.loads(answer.text)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(report, SCHEMA)
    assert len(report["sections"]["dominating_traits"]["phrases"]) == 2
    assert "bottom_line" not in report["sections"]


def test_answer_quotes_a_sentence_nobody_said_when_fail_invent_quote():
    answer = _run(Engine(), _prompt(model="dev-llm+fail=invent_quote"))

    report = json.loads(answer.text)
    jsonschema.validate(report, SCHEMA)
    texts = [s["text"] for s in sample_data()["segments"]]
    quotes = [q for s in report["sections"].values() for q in s["quotes"]]
    invented = [q for q in quotes if not any(q in t for t in texts)]
    assert invented == [faults.INVENTED_QUOTE]


def test_answer_is_cut_json_when_fail_truncate():
    answer = _run(Engine(), _prompt(model="dev-llm+fail=truncate"))

    assert answer.kind == "truncated" and answer.outcome == "truncate"
    with pytest.raises(json.JSONDecodeError):
        json.loads(answer.text)
    assert set(answer.report) == {"title", "summary"}


def test_answer_is_cut_when_report_exceeds_max_tokens():
    answer = _run(Engine(), _prompt(max_tokens=50))

    assert answer.kind == "truncated" and answer.outcome == "max_tokens"
    assert len(answer.text) == 200


@pytest.mark.parametrize(
    "mode, kind, text",
    [
        ("not_json", "text", faults.NOT_JSON),
        ("refusal", "refusal", faults.REFUSAL),
    ],
)
def test_answer_is_not_a_report_when_fail_asks_for_it(mode, kind, text):
    answer = _run(Engine(), _prompt(model=f"dev-llm+fail={mode}"))

    assert (answer.kind, answer.text, answer.outcome) == (kind, text, mode)


def test_plan_holds_the_request_when_fail_hang():
    plan = Engine(default_latency_ms=250).plan(_prompt(), parse_knobs("dev-llm+fail=hang", None))

    assert plan.hang and plan.mode is None and plan.delay_s == 0.25


@pytest.mark.parametrize(
    "requested, reported",
    [
        ("dev-llm-1+fail=429", "dev-llm-1"),
        ("dev-llm-fast", "dev-llm-fast"),
        ("gpt-4o-mini+latency=5", "dev-llm/gpt-4o-mini"),
        ("+fail=500", "dev-llm-1"),
    ],
)
def test_reported_model_names_the_dev_llm_when_any_model_is_asked(requested, reported):
    assert model_name(requested) == reported
