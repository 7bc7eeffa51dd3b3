"""Reports kept by what they were written from: the same request answered from the kept report,
any difference the writer could see written anew, and a fault never changing a kept report."""

from __future__ import annotations

import json

import jsonschema

from services.devllm import written
from services.devllm.engine import Engine
from services.devllm.knobs import parse_knobs
from services.devllm.prompt import Prompt
from services.devllm.testing import report_schema, sample_data
from services.devllm.written import WrittenReports
from services.domain import prompt_data

SCHEMA = report_schema("sales_playbook", quotes=True)


def _prompt(schema=SCHEMA, extra: str = "", model: str = "dev-llm") -> Prompt:
    user = f"Write the report.\n{prompt_data.encode(sample_data(extra))}"
    return Prompt(
        model=model, system="You write reports.", first_user=user, texts=("You write reports.", user), schema=schema
    )


def _counting_writer(monkeypatch) -> list[int]:
    calls: list[int] = []
    real = written.write_report

    def counted(schema, data):
        calls.append(1)
        return real(schema, data)

    monkeypatch.setattr(written, "write_report", counted)
    return calls


def test_the_same_request_is_answered_from_the_kept_report(monkeypatch):
    calls = _counting_writer(monkeypatch)
    reports = WrittenReports()

    first = reports.report(_prompt())
    again = reports.report(_prompt())

    assert len(calls) == 1 and again == first
    assert json.loads(first[1]) == first[0]


def test_a_different_transcript_or_schema_is_written_anew(monkeypatch):
    calls = _counting_writer(monkeypatch)
    reports = WrittenReports()

    plain = reports.report(_prompt())[0]
    other_words = reports.report(_prompt(extra=" Budget approval lands next week."))[0]
    other_schema = reports.report(_prompt(schema=report_schema("sales_playbook")))[0]

    assert len(calls) == 3
    jsonschema.validate(other_schema, report_schema("sales_playbook"))
    assert other_words != plain


def test_the_oldest_report_is_let_go_past_the_limit(monkeypatch):
    calls = _counting_writer(monkeypatch)
    reports = WrittenReports(kept=2)

    for extra in ("", " one", " two", ""):
        reports.report(_prompt(extra=extra))

    assert len(calls) == 4  # the first was let go when the third came


def test_a_fault_answer_leaves_the_kept_report_valid():
    engine = Engine()
    prompt = _prompt()

    for mode in ("bad_schema", "invent_quote", "no_quotes", "truncate"):
        engine.answer(prompt, engine.plan(prompt, parse_knobs(f"dev-llm+fail={mode}", None)))
    answer = engine.answer(prompt, engine.plan(prompt, parse_knobs("dev-llm", None)))

    assert answer.kind == "report"
    jsonschema.validate(json.loads(answer.text), SCHEMA)
    assert json.loads(answer.text) == answer.report
