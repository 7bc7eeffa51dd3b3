from __future__ import annotations

from services.domain.templates import sections_of
from services.renderer.document import PromptRef, RenderMeta, to_document
from tests.unit.renderer.answers import valid_output


def test_document_follows_template_order_when_the_answer_is_reordered():
    output = valid_output("sales_playbook")
    output["sections"] = dict(reversed(list(output["sections"].items())))
    document, _ = to_document(
        "sales_playbook", output, PromptRef("sales_playbook", 2, ("latest",)), RenderMeta(3, "gpt-4o", "openai")
    )
    specs = sections_of("sales_playbook")
    assert [(s["key"], s["kind"]) for s in document["sections"]] == [(s.key, s.kind) for s in specs]


def test_document_holds_the_contract_fields_and_meta_when_converted():
    output = valid_output("general_report")
    output["title"] = "  Priya\r\n"
    output["sections"]["how_they_think"]["body"] = " Line one\r\nLine two "
    document, _quotes = to_document(
        "general_report",
        output,
        PromptRef("general_report", 1, ["production", "latest"]),
        RenderMeta(2, "dev-llm/1", "anthropic"),
    )
    assert list(document) == ["template", "schemaVersion", "title", "summary", "sections", "meta"]
    assert document["template"] == "general_report"
    assert document["schemaVersion"] == 2
    assert document["title"] == "Priya"
    assert document["meta"] == {
        "prompt": {"name": "general_report", "version": 1, "labels": ["production", "latest"]},
        "render": {"attempts": 2, "model": "dev-llm/1", "provider": "anthropic"},
    }
    traits, think = document["sections"][0], document["sections"][1]
    assert traits == {
        "key": "dominating_traits",
        "kind": "traits",
        "title": "Dominating traits",
        "body": "About dominating_traits.",
        "phrases": ["Numbers first", "Board-minded", "Direct asker"],
    }
    assert think == {
        "key": "how_they_think",
        "kind": "paragraph",
        "title": "How they think",
        "body": "Line one\nLine two",
    }
    best = document["sections"][7]
    assert best == {
        "key": "how_to_get_their_best",
        "kind": "actions",
        "title": "How to get their best",
        "items": [{"title": "Do how_to_get_their_best", "context": "Because they asked."}],
    }


def test_quotes_leave_the_document_and_come_back_beside_it_when_present():
    output = valid_output("general_report")
    output["sections"]["bottom_line"]["quotes"] = [" Said this. ", "  "]
    document, quotes = to_document(
        "general_report", output, PromptRef("general_report", 1, []), RenderMeta(1, "m", "openai")
    )
    assert "quotes" not in str(document)
    assert list(quotes) == [s.key for s in sections_of("general_report")]
    assert quotes["bottom_line"] == ["Said this."]
