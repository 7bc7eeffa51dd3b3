"""The Anthropic messages shapes: a request in, a `Message` or an Anthropic error out."""

from __future__ import annotations

from typing import Any

from . import models, rules
from .engine import Answer
from .prompt import BadRequest, Prompt, require_max_tokens, require_messages, text_of

NAME = "anthropic"
_ERRORS = {
    400: "invalid_request_error",
    404: "not_found_error",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}


def parse_request(body: Any) -> Prompt:
    messages = require_messages(body)
    rules.anthropic_request(body)
    system = text_of(body.get("system"))
    first_user = next((text_of(m.get("content")) for m in messages if m["role"] == "user"), "")
    texts = (system, *(text_of(m.get("content")) for m in messages if m["role"] == "user"))
    tool = _tool(body.get("tools"), body.get("tool_choice"))
    fmt = (body.get("output_config") or {}).get("format")
    thinking = body.get("thinking")
    return Prompt(
        model=body["model"],
        system=system,
        first_user=first_user,
        texts=texts,
        schema=fmt["schema"] if fmt else (tool["input_schema"] if tool else None),
        tool_name=None if fmt else (tool["name"] if tool else None),
        thinking=(
            thinking.get("type") != "disabled"
            if isinstance(thinking, dict)
            else models.thinks_by_default(body["model"])
        ),
        max_tokens=require_max_tokens(body.get("max_tokens"), "max_tokens", required=True),
    )


# Stop reasons (docs: api/handling-stop-reasons): end_turn, max_tokens, tool_use, refusal,
# model_context_window_exceeded. Anthropic has no content filter stop: a filtered answer is a
# refusal there.
def message(
    answer: Answer,
    *,
    response_id: str,
    model: str,
    tool_name: str | None,
    thinking: bool = False,
) -> dict[str, Any]:
    if answer.kind in ("refusal", "filtered"):
        content, stop = [_text(answer.text)], "refusal"
    elif answer.kind == "context_exceeded":
        content, stop = [_text(answer.text)], "model_context_window_exceeded"
    elif answer.kind == "text" or tool_name is None:
        content = [_text(answer.text)]
        stop = "max_tokens" if answer.kind == "truncated" else "end_turn"
    else:
        tool_input = answer.report if isinstance(answer.report, dict) else {"value": answer.report}
        content = [{"type": "tool_use", "id": f"toolu_dev{response_id}", "name": tool_name, "input": tool_input}]
        stop = "max_tokens" if answer.kind == "truncated" else "tool_use"
    if thinking:  # adaptive thinking writes a (summarised, signed) thinking block first
        content = [
            {"type": "thinking", "thinking": "Reading the transcript data.", "signature": f"sig_dev{response_id}"},
            *content,
        ]
    return {
        "id": f"msg_dev{response_id}",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": stop,
        "stop_sequence": None,
        "usage": {"input_tokens": answer.prompt_tokens, "output_tokens": answer.completion_tokens},
    }


def error(status: int, message_text: str, **_: Any) -> dict[str, Any]:
    """An error body (docs: api/errors); OpenAI's `code` and `param` have no place here."""
    return {"type": "error", "error": {"type": _ERRORS.get(status, "api_error"), "message": message_text}}


def model_info(model: str) -> dict[str, Any]:
    """One entry of GET /v1/models (docs: api/models-list)."""
    return {"type": "model", "id": model, "display_name": model, "created_at": "2026-01-01T00:00:00Z"}


def model_list() -> dict[str, Any]:
    ids = models.listed(NAME)
    return {"data": [model_info(m) for m in ids], "has_more": False, "first_id": ids[0], "last_id": ids[-1]}


def _text(text: str) -> dict[str, Any]:
    return {"type": "text", "text": text}


def _tool(tools: Any, choice: Any) -> dict[str, Any] | None:
    if tools is None:
        return None
    if not isinstance(tools, list) or not all(isinstance(t, dict) for t in tools):
        raise BadRequest("tools: must be a list of objects")
    for i, tool in enumerate(tools):
        if not isinstance(tool.get("name"), str):
            raise BadRequest(f"tools.{i}.name: field required")
        if "input_schema" in tool and not isinstance(tool["input_schema"], dict):
            raise BadRequest(f"tools.{i}.input_schema: must be an object")
    custom: list[dict[str, Any]] = [t for t in tools if isinstance(t.get("input_schema"), dict)]
    kind = choice.get("type") if isinstance(choice, dict) else "auto"
    if kind == "none" or not custom:
        return None
    if kind == "tool":
        name = choice.get("name")
        for tool in custom:
            if tool["name"] == name:
                return tool
        raise BadRequest(f"tool_choice.name: no tool named {name!r} in tools")
    return custom[0]
