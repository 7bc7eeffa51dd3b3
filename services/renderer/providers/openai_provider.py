"""OpenAI chat completions with structured outputs (`response_format` json_schema, strict),
streamed.

`max_completion_tokens` caps the answer (docs: api-reference/chat/create: `max_tokens` is
deprecated and not accepted by reasoning models), so a model stuck printing whitespace ends with
`finish_reason: length` instead of running to its own limit. The `json_object` dialect (llama.cpp's
server) sends the cap as `max_tokens`: llama-cpp-python's server reads only that field
(`llama_cpp/server/types.py`, CreateChatCompletionRequest) and drops `max_completion_tokens`
unread, so the model ran on to the end of its context window. `length` (llm_output_truncated),
`content_filter` (llm_content_filtered) and a refusal (llm_refused; docs: guides/structured-outputs,
"Refusals") end the job with their own code: the same request would end the same way.

The answer streams (`stream: true`, docs: api-reference/chat-streaming) so a long report is not
cut by a request timeout: the SDK's read timeout and `sse.EventReader` bound the gap between
chunks (the idle timeout); the caller bounds the whole answer. A stream that ends without a
`finish_reason` was cut: a stalled transient failure. The SDK makes the request (auth, retries)
and raises its errors, through its client's `post` (the SDK's way to call an endpoint with a body
of one's own): `chat.completions.create` would first walk the body through the SDK's type-driven
transform, 0.4 ms a request (each message checked against every member of the message union),
and the body here is already the API's JSON (`request`, checked against the docs by a unit test).
The chunks are read by `sse` and `json` (each SDK chunk model cost more CPU than the rest of a
job). A chunk with an `error` object instead of choices (the API's mid-stream failure, which
the SDK raises as `APIError`) is transient; `data: [DONE]` ends the stream.
"""

from __future__ import annotations

from typing import Any

import httpx2
import openai

from services.renderer.prompt import Conversation
from services.renderer.providers.base import (
    SCHEMA_NAME,
    Completion,
    EndedFailure,
    Progress,
    SdkProvider,
    TokenUsage,
    TransientFailure,
    sdk_failures,
    tokens_of,
)
from services.renderer.providers.sse import Event, EventReader, json_of


class OpenAIProvider(SdkProvider):
    name = "openai"
    sdk = openai
    client_class = openai.AsyncOpenAI

    def __init__(self, *, response_format: str = "json_schema", **options: Any) -> None:
        super().__init__(**options)
        self._response_format = response_format

    def request(self, conversation: Conversation, schema: dict[str, Any], model: str) -> dict[str, Any]:
        """The body of one chat completions call (checked against the docs by a unit test)."""
        messages: list[Any] = [{"role": "system", "content": conversation.system}]
        messages += [{"role": t.role, "content": t.text} for t in conversation.turns]
        return {
            "model": model,
            "messages": messages,
            token_cap_field(self._response_format): self._max_tokens,
            "response_format": response_format(self._response_format, schema),
            "stream": True,
            "stream_options": {"include_usage": True},
        }

    async def complete(
        self, conversation: Conversation, schema: dict[str, Any], model: str, on_progress: Progress | None = None
    ) -> Completion:
        answer = StreamedAnswer()
        with sdk_failures(openai, self._idle_s):
            response = await self._client.post(
                "/chat/completions",
                cast_to=httpx2.Response,
                body=self.request(conversation, schema, model),
                stream=True,
            )
            try:
                reader = EventReader(response.aiter_bytes(), self._idle_s)
                async for events in reader:
                    chars = answer.chars
                    if answer.read(events):
                        await reader.drain()
                        break
                    if on_progress is not None and answer.chars != chars:
                        on_progress(tokens_of(answer.chars))
            finally:
                await response.aclose()
        if answer.finish is None:
            raise TransientFailure("the stream ended before the answer did", stalled=True)
        return completion(
            answer.model, "".join(answer.text), answer.finish, "".join(answer.refusal), self._max_tokens, answer.usage
        )


class StreamedAnswer:
    """What the chat.completion.chunk events of one answer said so far."""

    __slots__ = ("chars", "finish", "model", "refusal", "text", "usage")

    def __init__(self) -> None:
        self.model = ""
        self.text: list[str] = []
        self.refusal: list[str] = []
        self.finish: str | None = None
        self.chars = 0  # of text so far: the progress
        self.usage: TokenUsage | None = None  # the last chunk's (stream_options.include_usage)

    def read(self, events: list[Event]) -> bool:
        """Takes in one batch of events; True once `[DONE]` came (what follows is not read).
        Raises `TransientFailure` for an error chunk or one that is not a chunk."""
        for event in events:
            if event.data == "[DONE]":
                return True
            try:
                chunk = json_of(event.data)
                if chunk.get("error"):
                    raise TransientFailure(f"the stream reported an error: {_message(chunk['error'])}")
                self.model = chunk.get("model") or self.model
                usage = chunk.get("usage")
                if usage:
                    self.usage = TokenUsage(usage.get("prompt_tokens") or 0, usage.get("completion_tokens") or 0)
                for choice in chunk.get("choices") or ():
                    delta = choice.get("delta") or {}
                    content = delta.get("content")
                    if content:
                        self.text.append(content)
                        self.chars += len(content)
                    if delta.get("refusal"):
                        self.refusal.append(delta["refusal"])
                    self.finish = choice.get("finish_reason") or self.finish
            except (ValueError, AttributeError, TypeError) as e:
                raise TransientFailure(
                    f"unreadable response: not a chat completion chunk ({type(e).__name__}: {e})"
                ) from e
        return False


def _message(error: object) -> str:
    message = error.get("message") if isinstance(error, dict) else None
    return message if isinstance(message, str) and message else str(error)[:300]


RESPONSE_FORMATS = ("json_schema", "json_object")


def token_cap_field(dialect: str) -> str:
    """The request field that caps the answer's length in `dialect` (the module docstring says why)."""
    return "max_tokens" if dialect == "json_object" else "max_completion_tokens"


def response_format(dialect: str, schema: dict[str, Any]) -> dict[str, Any]:
    """OpenAI's strict structured outputs, or the `json_object` + `schema` dialect of servers
    that reject `json_schema` (llama.cpp's server: it constrains the output to the schema)."""
    if dialect == "json_object":
        return {"type": "json_object", "schema": schema}
    return {"type": "json_schema", "json_schema": {"name": SCHEMA_NAME, "schema": schema, "strict": True}}


def completion(
    model: str,
    text: str,
    finish_reason: str | None,
    refusal: str | None = None,
    max_tokens: int = 0,
    usage: TokenUsage | None = None,
) -> Completion:
    if refusal:
        raise EndedFailure("llm_refused", f"the model refused to write the report: {refusal}", usage)
    if finish_reason == "length":
        raise EndedFailure(
            "llm_output_truncated",
            f"the answer reached its cap of {max_tokens} tokens before it "
            "was complete (finish_reason length); raise REPORTS_LLM_MAX_TOKENS "
            "or use a shorter template",
            usage,
        )
    if finish_reason == "content_filter":
        raise EndedFailure(
            "llm_content_filtered",
            "the provider's content filter withheld the answer (finish_reason content_filter)",
            usage,
        )
    if not text.strip():
        return Completion(model, text, "the answer was empty", usage)
    return Completion(model, text, usage=usage)
