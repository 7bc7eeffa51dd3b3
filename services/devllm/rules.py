"""What the real APIs reject, checked before the dev LLM answers; each rule names its source.

The dev LLM is only useful as a stand-in if it is as strict as the APIs it stands for: a request
it accepts must be one the real API would accept. Each check raises `BadRequest` (400) or
`NotFound` (404) with the real API's wording where the docs give it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from . import models
from .prompt import BadRequest, NotFound

# Anthropic structured outputs (docs: build-with-claude/structured-outputs, "JSON Schema
# limitations"): no numeric or string-length constraints, arrays only minItems 0 or 1, objects
# must close with additionalProperties false.
_ANTHROPIC_UNSUPPORTED = (
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minLength",
    "maxLength",
    "maxItems",
    "uniqueItems",
    "minProperties",
    "maxProperties",
    "patternProperties",
)


def model_exists(provider: str, model: str) -> None:
    """Unknown or retired ids answer 404 (OpenAI docs: guides/error-codes "model_not_found";
    Anthropic docs: api/errors `not_found_error`; deprecation pages: retired ids fail)."""
    if models.known(provider, model):
        return
    base = models.base_of(model)
    if provider == "openai":
        raise NotFound(
            f"The model `{base}` does not exist or you do not have access to it.", param="model", code="model_not_found"
        )
    raise NotFound(f"model: {base}")


def openai_request(body: dict[str, Any]) -> None:
    """OpenAI chat completions (docs: api-reference/chat/create)."""
    model_exists("openai", body["model"])
    # "max_tokens ... deprecated in favor of max_completion_tokens, and is not compatible with
    # o-series models" (reasoning models answer 400 unsupported_parameter). A dev model asked in
    # llama.cpp's dialect plays a self-hosted server, whose cap is `max_tokens` (llama-cpp-python
    # reads no other: abetlen/llama-cpp-python#1907; llama-server only since ggml-org/llama.cpp#19831).
    if "max_tokens" in body and models.is_reasoning(body["model"]) and not llama_cpp_dialect(body):
        raise BadRequest(
            "Unsupported parameter: 'max_tokens' is not supported with this model. "
            "Use 'max_completion_tokens' instead.",
            param="max_tokens",
            code="unsupported_parameter",
        )
    if "max_tokens" in body and "max_completion_tokens" in body:
        raise BadRequest(
            "max_tokens and max_completion_tokens cannot both be set", param="max_tokens", code="invalid_request"
        )
    fmt = body.get("response_format")
    if isinstance(fmt, dict) and fmt.get("type") == "json_object":
        openai_json_mode(body["model"], fmt, body.get("messages"))
    if isinstance(fmt, dict) and fmt.get("type") == "json_schema":
        spec = fmt.get("json_schema") or {}
        if isinstance(spec, dict) and spec.get("strict") and isinstance(spec.get("schema"), dict):
            openai_strict_schema(spec["schema"])


def llama_cpp_dialect(body: dict[str, Any]) -> bool:
    """A dev model asked as llama.cpp's server is (json_object with a schema): it plays that server."""
    fmt = body.get("response_format")
    return (
        models.is_dev(body["model"]) and isinstance(fmt, dict) and fmt.get("type") == "json_object" and "schema" in fmt
    )


def openai_json_mode(model: str, fmt: dict[str, Any], messages: Any) -> None:
    """JSON mode (docs: api-reference/chat/create, response_format `{"type": "json_object"}` has
    no other field; guides/structured-outputs, JSON mode: "the API will throw an error if the
    string 'JSON' does not appear somewhere in the context"). A schema beside json_object is
    llama.cpp's server dialect (llama.cpp tools/server README, response_format), which the dev
    models accept in the place of a self-hosted server; OpenAI's own models do not."""
    if "schema" in fmt and not models.is_dev(model):
        raise BadRequest(
            "Unrecognized request argument supplied: response_format.schema",
            param="response_format",
            code="invalid_request",
        )
    if "schema" not in fmt and "json" not in repr(messages).lower():
        raise BadRequest(
            "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.",
            param="messages",
        )


def openai_strict_schema(schema: dict[str, Any], path: str = "") -> None:
    """Strict structured outputs (docs: guides/structured-outputs, "Supported schemas"): the root
    is an object, not anyOf; every object sets additionalProperties false and lists every
    property in required."""
    if not path and schema.get("type") != "object":
        raise BadRequest(
            "Invalid schema for response_format 'report': schema must be a JSON "
            f"Schema of 'type: \"object\"', got 'type: \"{schema.get('type')}\"'.",
            param="response_format",
            code="invalid_json_schema",
        )
    for where, node in _nodes(schema, path or "#"):
        if node.get("type") != "object" or "properties" not in node:
            continue
        if node.get("additionalProperties") is not False:
            raise BadRequest(
                f"Invalid schema for response_format 'report': In context={where}, "
                "'additionalProperties' is required to be supplied and to be false.",
                param="response_format",
                code="invalid_json_schema",
            )
        missing = [k for k in node["properties"] if k not in node.get("required", [])]
        if missing:
            raise BadRequest(
                f"Invalid schema for response_format 'report': In context={where}, "
                "'required' is required to be supplied and to be an array including "
                f"every key in properties. Missing '{missing[0]}'.",
                param="response_format",
                code="invalid_json_schema",
            )


def anthropic_request(body: dict[str, Any]) -> None:
    """Anthropic messages (docs: api/messages)."""
    model_exists("anthropic", body["model"])
    # max_tokens is required (docs: api/messages, "max_tokens: required").
    if "max_tokens" not in body:
        raise BadRequest("max_tokens: Field required")
    # Thinking is on by default on the current line; with thinking only tool_choice auto or
    # none is allowed (docs: build-with-claude/extended-thinking, "Tool use with thinking").
    choice = body.get("tool_choice")
    thinking = body.get("thinking")
    thinking_on = (
        thinking.get("type") != "disabled" if isinstance(thinking, dict) else models.thinks_by_default(body["model"])
    )
    if isinstance(choice, dict) and choice.get("type") in ("tool", "any") and thinking_on:
        raise BadRequest("Thinking may not be enabled when tool_choice forces tool use.")
    config = body.get("output_config")
    if config is not None:
        if not isinstance(config, dict):
            raise BadRequest("output_config: Input should be a valid dictionary")
        fmt = config.get("format")
        if fmt is not None:
            if not isinstance(fmt, dict) or fmt.get("type") != "json_schema" or not isinstance(fmt.get("schema"), dict):
                raise BadRequest("output_config.format: expected {type: json_schema, schema}")
            anthropic_schema(fmt["schema"])


def anthropic_schema(schema: dict[str, Any]) -> None:
    """The structured-output subset (docs: build-with-claude/structured-outputs, "JSON Schema
    limitations")."""
    for where, node in _nodes(schema, "#"):
        for key in _ANTHROPIC_UNSUPPORTED:
            if key in node:
                raise BadRequest(
                    f"output_config.format.schema: {where}: '{key}' is not supported in structured outputs"
                )
        if "minItems" in node and node["minItems"] not in (0, 1):
            raise BadRequest(
                f"output_config.format.schema: {where}: 'minItems' values other than 0 or 1 are not supported"
            )
        if node.get("type") == "object" and node.get("additionalProperties", False) is not False:
            raise BadRequest(f"output_config.format.schema: {where}: 'additionalProperties' must be false")


def _nodes(schema: Any, path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every subschema with its JSON pointer-ish path."""
    if not isinstance(schema, dict):
        return
    yield path, schema
    for key in ("properties", "$defs", "definitions"):
        for name, sub in (schema.get(key) or {}).items():
            yield from _nodes(sub, f"{path}/{key}/{name}")
    if isinstance(schema.get("items"), dict):
        yield from _nodes(schema["items"], f"{path}/items")
    for key in ("anyOf", "allOf", "oneOf"):
        for i, sub in enumerate(schema.get(key) or []):
            yield from _nodes(sub, f"{path}/{key}/{i}")
