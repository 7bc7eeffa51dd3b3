"""Requests the real OpenAI and Anthropic APIs reject, each with the documentation that says so.

One table for two uses: the dev LLM must reject every one of them with the same status
(`tests/integration/devllm/test_devllm_strict.py`), and the renderer's own request bodies must
pass the same rules (`tests/unit/renderer/test_request_bodies.py`).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import anthropic

from services.devllm.testing import report_schema, sample_data
from services.domain import prompt_data

SCHEMA = report_schema("general_report", quotes=True)
USER = prompt_data.encode(sample_data())


def openai_body() -> dict[str, Any]:
    """What the renderer sends to OpenAI, in small."""
    return {
        "model": "gpt-6.1-sol",
        "max_completion_tokens": 8192,
        "messages": [{"role": "system", "content": "You write reports."}, {"role": "user", "content": USER}],
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "report", "schema": copy.deepcopy(SCHEMA), "strict": True},
        },
    }


def anthropic_body() -> dict[str, Any]:
    """What the renderer sends to Anthropic, in small."""
    return {
        "model": "claude-sonnet-5-5",
        "max_tokens": 8192,
        "system": "You write reports.",
        "messages": [{"role": "user", "content": USER}],
        "output_config": {"format": {"type": "json_schema", "schema": anthropic.transform_schema(SCHEMA)}},
    }


@dataclass(frozen=True)
class Rejected:
    provider: str
    name: str
    change: Callable[[dict[str, Any]], None]
    status: int
    source: str  # the provider documentation the rule comes from

    def body(self) -> dict[str, Any]:
        body = openai_body() if self.provider == "openai" else anthropic_body()
        self.change(body)
        return body


def _set(**values: Any) -> Callable[[dict[str, Any]], None]:
    return lambda body: body.update(values)


def _drop(key: str) -> Callable[[dict[str, Any]], None]:
    return lambda body: body.pop(key)


def _anthropic_schema(schema: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    return lambda body: body["output_config"]["format"].update(schema=schema)


def _openai_schema(edit: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
    return lambda body: edit(body["response_format"]["json_schema"]["schema"])


def _forced_tool(body: dict[str, Any]) -> None:
    body.pop("output_config")
    body["tools"] = [{"name": "write_report", "input_schema": SCHEMA}]
    body["tool_choice"] = {"type": "tool", "name": "write_report"}


def _open_object(schema: dict[str, Any]) -> None:
    schema["properties"]["sections"]["additionalProperties"] = True


def _not_all_required(schema: dict[str, Any]) -> None:
    schema["required"] = ["title"]


def _json_object_with_schema(body: dict[str, Any]) -> None:
    body["response_format"] = {"type": "json_object", "schema": copy.deepcopy(SCHEMA)}


def _json_object_never_saying_json(body: dict[str, Any]) -> None:
    body["response_format"] = {"type": "json_object"}
    body["messages"] = [
        {"role": "system", "content": "You write reports."},
        {"role": "user", "content": "Write the report."},
    ]


REJECTED = [
    Rejected(
        "openai",
        "a shut-down model",
        _set(model="gpt-4-0613"),
        404,
        "developers.openai.com/api/docs/deprecations; guides/error-codes (model_not_found)",
    ),
    Rejected(
        "openai", "an unknown model", _set(model="gpt-nope"), 404, "guides/error-codes: 404 the model does not exist"
    ),
    Rejected(
        "openai",
        "max_tokens on a reasoning model",
        _set(max_tokens=100),
        400,
        "api-reference/chat/create: max_tokens not compatible with reasoning models",
    ),
    Rejected(
        "openai",
        "a strict schema with an open object",
        _openai_schema(_open_object),
        400,
        "guides/structured-outputs: additionalProperties must be false",
    ),
    Rejected(
        "openai",
        "a strict schema not requiring every property",
        _openai_schema(_not_all_required),
        400,
        "guides/structured-outputs: all fields must be required",
    ),
    Rejected(
        "openai",
        "JSON mode given a schema (llama.cpp's dialect)",
        _json_object_with_schema,
        400,
        "api-reference/chat/create: response_format json_object has only `type`",
    ),
    Rejected(
        "openai",
        "JSON mode whose messages never say json",
        _json_object_never_saying_json,
        400,
        "guides/structured-outputs (JSON mode): the API errors unless the context contains the string JSON",
    ),
    Rejected(
        "anthropic",
        "a retired model",
        _set(model="claude-sonnet-4-5"),
        404,
        "platform.claude.com/docs/about-claude/model-deprecations; api/errors not_found_error",
    ),
    Rejected("anthropic", "no max_tokens", _drop("max_tokens"), 400, "api/messages: max_tokens is required"),
    Rejected(
        "anthropic",
        "a forced tool call while thinking is on",
        _forced_tool,
        400,
        "build-with-claude/extended-thinking: only tool_choice auto or none with thinking",
    ),
    Rejected(
        "anthropic",
        "maxItems in a structured-output schema",
        _anthropic_schema(
            {
                "type": "object",
                "properties": {"p": {"type": "array", "items": {"type": "string"}, "maxItems": 3}},
                "required": ["p"],
                "additionalProperties": False,
            }
        ),
        400,
        "build-with-claude/structured-outputs: JSON Schema limitations",
    ),
    Rejected(
        "anthropic",
        "minItems above 1 in a structured-output schema",
        _anthropic_schema(
            {
                "type": "object",
                "properties": {"p": {"type": "array", "items": {"type": "string"}, "minItems": 3}},
                "required": ["p"],
                "additionalProperties": False,
            }
        ),
        400,
        "build-with-claude/structured-outputs: JSON Schema limitations",
    ),
    Rejected(
        "anthropic",
        "the renderer's schema without transform_schema",
        _anthropic_schema(copy.deepcopy(SCHEMA)),
        400,
        "build-with-claude/structured-outputs: JSON Schema limitations",
    ),
]
