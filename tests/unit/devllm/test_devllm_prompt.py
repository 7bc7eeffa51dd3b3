"""Taking the provider shape off a request: texts, schema, conversation key, evidence."""

from __future__ import annotations

import anthropic
import pytest

from services.devllm import anthropic_api, openai_api
from services.devllm.prompt import BadRequest
from services.devllm.testing import report_schema, sample_data
from services.domain import prompt_data

BLOCK = prompt_data.encode(sample_data())
SCHEMA = report_schema("general_report")


def _openai(messages, **extra):
    return {
        "model": "dev-llm",
        "messages": messages,
        **extra,
        "response_format": {"type": "json_schema", "json_schema": {"name": "r", "schema": SCHEMA, "strict": True}},
    }


def _anthropic(messages, **extra):
    """A forced tool call, with thinking off: the only way the real API accepts one."""
    return {
        "model": "dev-llm",
        "max_tokens": 4096,
        "system": [{"type": "text", "text": "Sys."}],
        "messages": messages,
        "tool_choice": {"type": "tool", "name": "report"},
        "thinking": {"type": "disabled"},
        "tools": [
            {"name": "other", "input_schema": {"type": "object"}},
            {"name": "report", "description": "d", "input_schema": SCHEMA},
        ],
        **extra,
    }


def test_anthropic_uses_the_output_config_schema_when_structured_output_is_asked():
    body = {
        "model": "dev-llm",
        "max_tokens": 4096,
        "system": "Sys.",
        "messages": [{"role": "user", "content": BLOCK}],
        "output_config": {"format": {"type": "json_schema", "schema": anthropic.transform_schema(SCHEMA)}},
    }

    prompt = anthropic_api.parse_request(body)

    assert prompt.schema == anthropic.transform_schema(SCHEMA)
    assert prompt.tool_name is None and prompt.thinking


def test_openai_evidence_is_found_when_content_is_a_list_of_parts():
    prompt = openai_api.parse_request(
        _openai(
            [
                {"role": "developer", "content": "Sys."},
                {"role": "user", "content": [{"type": "text", "text": "Report."}, {"type": "text", "text": BLOCK}]},
            ]
        )
    )

    assert prompt.evidence() == sample_data()
    assert prompt.schema == SCHEMA and prompt.system == "Sys."


def test_anthropic_uses_the_forced_tool_when_tool_choice_names_it():
    prompt = anthropic_api.parse_request(_anthropic([{"role": "user", "content": [{"type": "text", "text": BLOCK}]}]))

    assert prompt.tool_name == "report" and prompt.schema == SCHEMA
    assert prompt.evidence() == sample_data()


def test_conversation_is_the_same_when_a_repair_turn_is_appended():
    first = [{"role": "user", "content": BLOCK}]
    repair = [
        *first,
        {"role": "assistant", "content": [{"type": "tool_use", "id": "t", "name": "report", "input": {}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t", "content": "sections is required"}]},
    ]

    a = anthropic_api.parse_request(_anthropic(first))
    b = anthropic_api.parse_request(_anthropic(repair))

    assert a.conversation == b.conversation


def test_evidence_is_none_when_no_block_is_in_the_prompt():
    prompt = openai_api.parse_request(_openai([{"role": "user", "content": "Hello."}]))

    assert prompt.evidence() is None


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"messages": [{"role": "user", "content": "x"}]},
        {"model": "dev-llm", "messages": []},
        {"model": "dev-llm", "messages": [{"role": "user", "content": "x"}], "response_format": {"type": "xml"}},
        {"model": "dev-llm", "messages": [{"role": "user", "content": "x"}], "max_tokens": 0},
    ],
)
def test_openai_bad_request_when_body_is_malformed(body):
    with pytest.raises(BadRequest):
        openai_api.parse_request(body)


def test_anthropic_bad_request_when_forced_tool_is_missing():
    body = _anthropic([{"role": "user", "content": "x"}])
    body["tool_choice"] = {"type": "tool", "name": "nope"}

    with pytest.raises(BadRequest):
        anthropic_api.parse_request(body)


def test_anthropic_bad_request_when_max_tokens_is_missing():
    body = _anthropic([{"role": "user", "content": "x"}])
    del body["max_tokens"]

    with pytest.raises(BadRequest):
        anthropic_api.parse_request(body)
