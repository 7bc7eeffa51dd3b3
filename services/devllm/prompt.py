"""A chat request with the provider's shape taken off: what the dev LLM needs to answer it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from services.domain import prompt_data


class BadRequest(ValueError):
    """The request cannot be answered as sent (a 400 `invalid_request_error` for the caller).

    `param` and `code` fill OpenAI's error fields when the real API names them."""

    status = 400

    def __init__(self, message: str, *, param: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.param = param
        self.code = code


class NotFound(BadRequest):
    """An unknown or retired model id: a 404 (`not_found_error` / `model_not_found`)."""

    status = 404


@dataclass(frozen=True)
class Prompt:
    model: str  # as requested, knob suffix included
    system: str  # the first system text
    first_user: str  # the text of the first user message
    texts: tuple[str, ...]  # system and user texts in order, where evidence may be
    schema: dict[str, Any] | None  # the JSON Schema the answer must match, if any
    tool_name: str | None = None  # the Anthropic tool to call
    max_tokens: int | None = None
    thinking: bool = False  # Anthropic: thinking on (a thinking block comes first)

    @property
    def conversation(self) -> str:
        """Same for every call of one job: its retries and repair turns only append messages."""
        digest = hashlib.sha256()
        for part in (self.system, self.first_user):
            digest.update(part.encode("utf-8", "surrogatepass"))
            digest.update(b"\x00")
        return digest.hexdigest()

    @property
    def size(self) -> int:
        return sum(len(t) for t in self.texts)

    def evidence(self) -> dict[str, Any] | None:
        """The decoded transcript data block: the first one in the system or user texts."""
        for text in self.texts:
            data = prompt_data.decode(text)
            if data is not None:
                return data
        return None


def text_of(content: Any) -> str:
    """The text of a message content: a string, or a list of parts/blocks with text in them."""
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        return ""
    texts = []
    for part in content:
        if isinstance(part, str):
            texts.append(part)
        elif isinstance(part, dict):
            if isinstance(part.get("text"), str):
                texts.append(part["text"])
            elif part.get("type") == "tool_result":
                texts.append(text_of(part.get("content")))
    return "\n".join(t for t in texts if t)


def require_max_tokens(value: Any, name: str, required: bool) -> int | None:
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise BadRequest(f"{name}: must be an integer >= 1")
    return value


def require_messages(body: Any) -> list[dict[str, Any]]:
    if not isinstance(body, dict):
        raise BadRequest("the request body must be a JSON object")
    if not isinstance(body.get("model"), str) or not body["model"].strip():
        raise BadRequest("model: field required (a non-empty string)")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise BadRequest("messages: field required (a non-empty list)")
    for i, message in enumerate(messages):
        if not isinstance(message, dict) or not isinstance(message.get("role"), str):
            raise BadRequest(f"messages.{i}: each message must be an object with a role")
    return messages
