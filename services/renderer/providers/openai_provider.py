"""OpenAI chat completions with structured outputs (`response_format` json_schema, strict)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import openai

from services.renderer.prompt import Conversation
from services.renderer.providers.base import (
    Completion,
    TransientFailure,
    failure_from_status,
)


class OpenAIProvider:
    name = "openai"

    def __init__(self, *, api_key: str, base_url: str | None, timeout_s: float,
                 headers: Mapping[str, str] | None = None) -> None:
        self._timeout_s = timeout_s
        self._client = openai.AsyncOpenAI(api_key=api_key, base_url=base_url, max_retries=0,
                                          timeout=timeout_s, default_headers=headers or None)

    async def complete(self, conversation: Conversation, schema: dict[str, Any],
                       model: str) -> Completion:
        messages: list[Any] = [{"role": "system", "content": conversation.system}]
        messages += [{"role": t.role, "content": t.text} for t in conversation.turns]
        try:
            response = await self._client.chat.completions.create(
                model=model,
                messages=messages,
                response_format={
                    "type": "json_schema",
                    "json_schema": {"name": "report", "schema": schema, "strict": True},
                },
            )
        except openai.APIStatusError as e:
            raise failure_from_status(e.status_code, e.response.headers, e.message) from e
        except openai.APITimeoutError as e:
            raise TransientFailure(f"no answer within {self._timeout_s:g}s") from e
        except openai.APIConnectionError as e:
            raise TransientFailure(f"connection failed: {e}") from e
        except openai.APIError as e:  # an answer the SDK could not read
            raise TransientFailure(f"unreadable response: {e}") from e
        return _completion(response)

    async def aclose(self) -> None:
        await self._client.close()


def _completion(response: Any) -> Completion:
    model = response.model or ""
    if not response.choices:
        return Completion(model, "", "the response held no answer (no choices)")
    choice = response.choices[0]
    message = choice.message
    refusal = getattr(message, "refusal", None)
    text = message.content or refusal or ""
    if refusal:
        return Completion(model, text, f"the model refused to answer: {refusal}")
    if choice.finish_reason == "length":
        return Completion(model, text, "the answer was cut off at the token limit "
                                       "(finish_reason length); write it more concisely")
    if choice.finish_reason == "content_filter":
        return Completion(model, text, "the answer was withheld by the content filter")
    if not text.strip():
        return Completion(model, text, "the answer was empty")
    return Completion(model, text)
