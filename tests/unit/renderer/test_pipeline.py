from __future__ import annotations

import json

import pytest

from services.contracts import report_document_validator
from services.domain.prompt_seeds import seed_for
from services.domain.templates import sections_of
from services.renderer.errors import InvalidRenderRequest
from services.renderer.llm import Llm, LlmSettings
from services.renderer.pipeline import write_report
from services.renderer.prompt import EvidenceInput
from services.renderer.providers.base import Completion
from tests.unit.renderer.answers import TARGET_WORDS, valid_output

EVIDENCE = EvidenceInput(
    media_title="Q3 call",
    media_duration_sec=60.0,
    target_id="S1",
    target_label="Priya",
    segments=[
        {"speaker": "S1", "start": 0.0, "end": 5.0, "text": TARGET_WORDS},
        {"speaker": "S2", "start": 5.0, "end": 9.0, "text": "I love your product."},
    ],
)


class ScriptedProvider:
    name = "anthropic"

    def __init__(self, *answers: dict) -> None:
        self.answers = [json.dumps(a) for a in answers]
        self.conversations = []

    async def complete(self, conversation, schema, model, on_progress=None):
        self.conversations.append(conversation)
        return Completion("scripted-1", self.answers.pop(0))

    async def aclose(self) -> None:
        pass


def _llm(provider: ScriptedProvider) -> Llm:
    return Llm(LlmSettings(provider="anthropic", model="claude-x", api_key="k"), provider)


@pytest.mark.parametrize("template", ["sales_playbook", "general_report"])
async def test_write_report_returns_a_contract_document_when_the_answer_is_valid(template):
    provider = ScriptedProvider(valid_output(template))
    written = await write_report(_llm(provider), seed_for(template), template, EVIDENCE, {})
    assert report_document_validator().is_valid(written.document)
    assert [s["key"] for s in written.document["sections"]] == [s.key for s in sections_of(template)]
    assert written.document["meta"] == {
        "prompt": {"name": template, "version": 1, "labels": ["production", "latest"]},
        "render": {"attempts": 1, "model": "scripted-1", "provider": "anthropic"},
    }
    assert (written.attempts, written.model) == (1, "scripted-1")
    assert written.markdown.startswith("# Priya, the CFO\n\nWants numbers.\n\n## Dominating traits")
    assert written.quotes["bottom_line"] == ["We need the numbers before the board meets in March."]


async def test_write_report_retries_a_section_whose_only_quote_is_invented():
    bad = valid_output("general_report")
    bad["sections"]["how_they_connect"]["quotes"] = ["I love your product."]  # S2 said it
    provider = ScriptedProvider(bad, valid_output("general_report"))
    written = await write_report(
        _llm(provider), seed_for("general_report"), "general_report", EVIDENCE, {"relationship": "their manager"}
    )
    assert written.document["meta"]["render"]["attempts"] == 2
    repair = provider.conversations[1].turns[-1].text
    assert "$.sections.how_they_connect.quotes: has no quote that is the target's own words" in repair
    assert "The reader is: their manager." in provider.conversations[0].turns[0].text
    assert all(s.status == "supported" for s in written.evidence)


async def test_write_report_drops_an_invented_quote_and_keeps_the_real_ones():
    mixed = valid_output("general_report")
    real = mixed["sections"]["how_they_connect"]["quotes"][0]
    mixed["sections"]["how_they_connect"]["quotes"] = ["I love your product.", real]
    provider = ScriptedProvider(mixed)
    written = await write_report(_llm(provider), seed_for("general_report"), "general_report", EVIDENCE, {})
    assert written.attempts == 1
    connect = next(s for s in written.evidence if s.key == "how_they_connect")
    assert [q.text for q in connect.quotes] == [real]
    assert (connect.quotes[0].start, connect.quotes[0].end) == (0.0, 5.0)


async def test_write_report_marks_a_section_unsupported_when_the_budget_runs_out():
    bad = valid_output("general_report")
    bad["sections"]["pressure_response"]["quotes"] = ["Something nobody said."]
    provider = ScriptedProvider(*[bad] * 4)
    written = await write_report(_llm(provider), seed_for("general_report"), "general_report", EVIDENCE, {})
    assert written.attempts == 4
    statuses = {s.key: s.status for s in written.evidence}
    assert statuses["pressure_response"] == "unsupported"
    assert {k for k, v in statuses.items() if v == "supported"} == set(statuses) - {"pressure_response"}
    assert "Something nobody said." not in written.markdown


async def test_markdown_carries_the_quotes_as_footnotes_with_timestamps():
    provider = ScriptedProvider(valid_output("sales_playbook"))
    written = await write_report(_llm(provider), seed_for("sales_playbook"), "sales_playbook", EVIDENCE, {})
    assert "## Dominating traits" in written.markdown.split("*Evidence:* [^1]")[0]
    assert "*Evidence:* [^10]" in written.markdown
    assert written.markdown.endswith(
        "[^10]: \u201cWe need the numbers before the board meets in March.\u201d [00:00]\n"
    )


async def test_a_coverage_note_opens_the_summary():
    provider = ScriptedProvider(valid_output("sales_playbook"))
    written = await write_report(
        _llm(provider),
        seed_for("sales_playbook"),
        "sales_playbook",
        EVIDENCE,
        {},
        coverage_note="Thin evidence: Priya speaks for only 5 s.",
    )
    assert written.document["summary"].startswith("Thin evidence: Priya speaks for only 5 s. ")


@pytest.mark.parametrize(
    "template, params, message",
    [
        ("weekly_digest", {}, "unknown template"),
        ("general_report", {"tone": "warm"}, "tone: unknown variable"),
        ("general_report", {"focus": ["a"]}, "focus: must be a string"),
    ],
)
async def test_write_report_refuses_without_calling_the_llm_when_the_request_is_bad(template, params, message):
    provider = ScriptedProvider()
    with pytest.raises(InvalidRenderRequest, match=message):
        await write_report(_llm(provider), seed_for("general_report"), template, EVIDENCE, params)
    assert provider.conversations == []


async def test_write_report_refuses_a_prompt_for_another_template_when_mismatched():
    with pytest.raises(InvalidRenderRequest, match="not for template"):
        await write_report(_llm(ScriptedProvider()), seed_for("sales_playbook"), "general_report", EVIDENCE, {})
