from __future__ import annotations

import pytest

from services.domain.templates import TEMPLATE_NAMES
from services.renderer.document import PromptRef, RenderMeta, to_document
from services.renderer.validate import Problem, check_document, check_output
from tests.unit.renderer.answers import valid_output


@pytest.mark.parametrize("template", TEMPLATE_NAMES)
def test_check_output_passes_when_the_answer_is_valid(template):
    assert check_output(template, valid_output(template)) == []


def test_check_output_reports_missing_sections_in_template_order_when_absent():
    output = valid_output("general_report")
    del output["sections"]["bottom_line"], output["sections"]["how_they_think"]
    assert check_output("general_report", output) == [
        Problem("$.sections", "'how_they_think' is a required property"),
        Problem("$.sections", "'bottom_line' is a required property"),
    ]


def test_check_output_reports_unknown_fields_when_added():
    output = valid_output("general_report")
    output["sections"]["how_to_close"] = {"title": "x", "items": [], "quotes": []}
    output["extra"] = 1
    paths = {p.path for p in check_output("general_report", output)}
    assert paths == {"$", "$.sections"}


def test_check_output_reports_wrong_phrase_counts_when_not_three():
    output = valid_output("sales_playbook")
    output["sections"]["dominating_traits"]["phrases"] = ["a", "b", "c", "d"]
    assert check_output("sales_playbook", output) == [
        Problem("$.sections.dominating_traits.phrases", "must have at most 3 items, has 4")
    ]


def test_check_output_reports_blank_or_repeated_phrases_when_present():
    output = valid_output("sales_playbook")
    output["sections"]["dominating_traits"]["phrases"] = ["Direct", " ", "direct!"]
    assert check_output("sales_playbook", output) == [
        Problem("$.sections.dominating_traits.phrases[1]", "must not be blank"),
        Problem("$.sections.dominating_traits.phrases", "must be 3 different phrases"),
    ]


def test_check_output_reports_blank_text_when_whitespace_only():
    output = valid_output("sales_playbook")
    output["summary"] = "\n "
    output["sections"]["how_they_think"]["body"] = ""
    output["sections"]["bottom_line"]["title"] = "  "
    output["sections"]["how_to_close"]["items"][0]["context"] = " "
    assert check_output("sales_playbook", output) == [
        Problem("$.summary", "must not be blank"),
        Problem("$.sections.how_they_think.body", "must not be blank"),
        Problem("$.sections.how_to_close.items[0].context", "must not be blank"),
        Problem("$.sections.bottom_line.title", "must not be blank"),
    ]


def test_check_output_reports_empty_action_lists_and_wrong_types_when_given():
    output = valid_output("sales_playbook")
    output["sections"]["how_to_close"]["items"] = []
    output["sections"]["how_they_think"]["body"] = 42
    assert check_output("sales_playbook", output) == [
        Problem("$.sections.how_they_think.body", "must be of type string"),
        Problem("$.sections.how_to_close.items", "must have at least 1 items, has 0"),
    ]


def test_check_output_reports_a_non_object_when_given_a_list():
    assert check_output("sales_playbook", []) == [Problem("$", "must be of type object")]


def _document(template: str) -> dict:
    document, _ = to_document(
        template, valid_output(template), PromptRef(template, 1, ["production"]), RenderMeta(1, "dev-llm", "openai")
    )
    return document


@pytest.mark.parametrize("template", TEMPLATE_NAMES)
def test_check_document_passes_when_converted_from_a_valid_answer(template):
    assert check_document(template, _document(template)) == []


def test_check_document_reports_contract_breaks_and_order_when_wrong():
    document = _document("general_report")
    document["sections"].reverse()
    document["meta"]["render"]["provider"] = "mistral"
    problems = check_document("general_report", document)
    assert Problem("$.meta.render.provider", "'mistral' is not one of ['openai', 'anthropic']") in problems
    assert problems[-1].path == "$.sections"
    assert problems[-1].message.startswith("must be, in order: dominating_traits (traits), ")


def test_check_document_reports_extra_phrases_when_the_contract_allows_them():
    document = _document("general_report")
    document["sections"][0]["phrases"].append("Fourth")
    assert check_document("general_report", document) == [
        Problem("$.sections[0].phrases", "must hold exactly 3 phrases")
    ]
