"""The OpenAI chat completions shapes: a request in, a `ChatCompletion` or an OpenAI error out."""

from __future__ import annotations

from typing import Any

from . import models, rules
from .engine import Answer
from .prompt import BadRequest, Prompt, require_max_tokens, require_messages, text_of

NAME = "openai"
_SYSTEM_ROLES = ("system", "developer")
# finish_reason values (docs: api-reference/chat/object): stop, length, content_filter, ...
_FINISH = {
    "report": "stop",
    "text": "stop",
    "refusal": "stop",
    "truncated": "length",
    "filtered": "content_filter",
    "context_exceeded": "stop",
}
_ERRORS = {
    400: ("invalid_request_error", "invalid_request"),
    404: ("invalid_request_error", "model_not_found"),
    429: ("requests", "rate_limit_exceeded"),
    500: ("server_error", "server_error"),
    529: ("server_error", "overloaded"),
}


def parse_request(body: Any) -> Prompt:
    messages = require_messages(body)
    rules.openai_request(body)
    system = next((text_of(m.get("content")) for m in messages if m["role"] in _SYSTEM_ROLES), "")
    first_user = next((text_of(m.get("content")) for m in messages if m["role"] == "user"), "")
    texts = tuple(text_of(m.get("content")) for m in messages if m["role"] in (*_SYSTEM_ROLES, "user"))
    # Playing llama-cpp-python's server, a dev model reads only `max_tokens`, as that server does: it
    # drops `max_completion_tokens` unread (abetlen/llama-cpp-python#1907) and runs to the context's end.
    reads_completion_cap = "max_completion_tokens" in body and not rules.llama_cpp_dialect(body)
    limit_key = "max_completion_tokens" if reads_completion_cap else "max_tokens"
    return Prompt(
        model=body["model"],
        system=system,
        first_user=first_user,
        texts=texts,
        schema=_schema(body.get("response_format")),
        max_tokens=require_max_tokens(body.get(limit_key), limit_key, required=False),
    )


def completion(answer: Answer, *, response_id: str, model: str, created: int) -> dict[str, Any]:
    refused = answer.kind == "refusal"
    return {
        "id": f"chatcmpl-dev{response_id}",
        "object": "chat.completion",
        "created": created,
        "model": model,
        "system_fingerprint": "fp_devllm",
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": None if refused or answer.kind == "filtered" else answer.text,
                    "refusal": answer.text if refused else None,
                    "annotations": [],
                },
                "logprobs": None,
                "finish_reason": _FINISH[answer.kind],
            }
        ],
        "usage": {
            "prompt_tokens": answer.prompt_tokens,
            "completion_tokens": answer.completion_tokens,
            "total_tokens": answer.prompt_tokens + answer.completion_tokens,
        },
    }


def error(
    status: int, message: str, *, code: str | None = None, param: str | None = None, kind: str | None = None
) -> dict[str, Any]:
    default_kind, default_code = _ERRORS.get(status, ("server_error", "server_error"))
    return {"error": {"message": message, "type": kind or default_kind, "param": param, "code": code or default_code}}


def model_info(model: str) -> dict[str, Any]:
    """One entry of GET /v1/models (docs: api-reference/models/object)."""
    return {"id": model, "object": "model", "created": 1767225600, "owned_by": "devllm"}


def model_list() -> dict[str, Any]:
    return {"object": "list", "data": [model_info(m) for m in models.listed(NAME)]}


def _schema(response_format: Any) -> dict[str, Any] | None:
    if response_format is None:
        return None
    if not isinstance(response_format, dict):
        raise BadRequest("response_format: must be an object")
    kind, schema = response_format.get("type"), response_format.get("schema")
    if kind == "json_object" and isinstance(schema, dict):
        # llama.cpp's server dialect: json_object with a schema constrains the output to it
        return schema
    if kind in ("text", "json_object"):
        return None
    if kind != "json_schema":
        raise BadRequest(f"response_format.type: {kind!r} is not one of text, json_object, json_schema")
    spec = response_format.get("json_schema")
    if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
        raise BadRequest("response_format.json_schema: must be an object with a name")
    schema = spec.get("schema", {})
    if not isinstance(schema, dict):
        raise BadRequest("response_format.json_schema.schema: must be an object")
    return schema
