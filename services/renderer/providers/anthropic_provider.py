"""Anthropic messages with one forced tool, `write_report`, whose `input_schema` is the schema."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import anthropic

from services.renderer.prompt import Conversation
from services.renderer.providers.base import (
    TOOL_NAME,
    Completion,
    TransientFailure,
    failure_from_status,
)

TOOL_DESCRIPTION = "Write the report about the target. Every field is required."


class AnthropicProvider:
    name = "anthropic"

    def __init__(self, *, api_key: str, base_url: str | None, timeout_s: float,
                 max_tokens: int, headers: Mapping[str, str] | None = None) -> None:
        self._timeout_s = timeout_s
        self._max_tokens = max_tokens
        self._client = anthropic.AsyncAnthropic(api_key=api_key, base_url=base_url,
                                                max_retries=0, timeout=timeout_s,
                                                default_headers=headers or None)

    async def complete(self, conversation: Conversation, schema: dict[str, Any],
                       model: str) -> Completion:
        try:
            response = await self._client.messages.create(
                model=model,
                system=conversation.system,
                messages=[{"role": t.role, "content": t.text} for t in conversation.turns],
                max_tokens=self._max_tokens,
                tools=[{"name": TOOL_NAME, "description": TOOL_DESCRIPTION,
                        "input_schema": schema}],
                tool_choice={"type": "tool", "name": TOOL_NAME},
            )
        except anthropic.APIStatusError as e:
            raise failure_from_status(e.status_code, e.response.headers, e.message) from e
        except anthropic.APITimeoutError as e:
            raise TransientFailure(f"no answer within {self._timeout_s:g}s") from e
        except anthropic.APIConnectionError as e:
            raise TransientFailure(f"connection failed: {e}") from e
        except anthropic.APIError as e:  # an answer the SDK could not read
            raise TransientFailure(f"unreadable response: {e}") from e
        return _completion(response)

    async def aclose(self) -> None:
        await self._client.close()


def _completion(response: Any) -> Completion:
    model = response.model or ""
    blocks = list(response.content or [])
    tool = next((b for b in blocks if getattr(b, "type", None) == "tool_use"
                 and getattr(b, "name", None) == TOOL_NAME), None)
    if tool is not None:
        raw = tool.input
        text = raw if isinstance(raw, str) else json.dumps(raw, ensure_ascii=False)
    else:
        text = "".join(getattr(b, "text", "") for b in blocks if getattr(b, "type", None) == "text")
    if response.stop_reason == "refusal":
        return Completion(model, text, "the model refused to answer (stop_reason refusal)")
    if response.stop_reason == "max_tokens":
        return Completion(model, text, "the answer was cut off at the token limit "
                                       "(stop_reason max_tokens); write it more concisely")
    if tool is None:
        return Completion(model, text, f"the answer did not call the {TOOL_NAME} tool")
    return Completion(model, text)
