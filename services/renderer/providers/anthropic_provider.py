"""Anthropic messages with structured output: `output_config.format` is the report's JSON schema.

Why not a forced tool call: Anthropic's current models reject `tool_choice` of type `tool` (or
`any`) while extended/adaptive thinking is on, and thinking is on by default on the current
Sonnet line (docs: build-with-claude/extended-thinking, "Tool use with thinking": "only
tool_choice: auto or none"). Structured outputs (docs: build-with-claude/structured-outputs)
constrain the answer's text to the schema instead. Their schema subset has no `minItems` above 1
and no `maxItems`; `anthropic.transform_schema` moves such constraints into the description and
the renderer's own template checks (`validate`) still enforce them.

The answer streams (docs: build-with-claude/streaming), so a long report is not cut by a request
timeout: the SDK's read timeout and `sse.EventReader` bound the gap between events (the idle
timeout), the caller bounds the whole answer; a stream without `message_stop` was cut (stalled,
transient). The SDK makes the request and raises its errors; the events are read by `sse` and
`json`, only those that carry something (`message_start`, `content_block_delta`,
`message_delta`); `ping`, block starts and stops and event types added later are skipped, as the
docs ask. An `error` event mid-stream (docs: api/errors, "errors can occur after returning a 200
response", e.g. `overloaded_error`) is judged as the status its error type stands for (the
errors page's table), not as the 200 the stream began with.
The answer is the text blocks joined; thinking blocks are skipped. Stop reasons other than
`end_turn` end the job with their own code: `max_tokens` (llm_output_truncated), `refusal`
(llm_refused), `model_context_window_exceeded` (llm_context_exceeded); a repair turn would only
make the prompt longer.
"""

from __future__ import annotations

from typing import Any

import anthropic

from services.renderer.prompt import Conversation
from services.renderer.providers.base import (
    Completion,
    EndedFailure,
    FatalFailure,
    Progress,
    SdkProvider,
    TokenUsage,
    TransientFailure,
    failure_from_status,
    sdk_failures,
    tokens_of,
)
from services.renderer.providers.sse import Event, EventReader, json_of

_ENDED = {
    "max_tokens": (
        "llm_output_truncated",
        "the answer reached max_tokens ({max_tokens}) before it was complete; raise "
        "REPORTS_LLM_MAX_TOKENS or use a shorter template",
    ),
    "refusal": ("llm_refused", "the model refused to write the report (stop_reason refusal)"),
    "model_context_window_exceeded": (
        "llm_context_exceeded",
        "the prompt and answer do not fit the model's context window "
        "(stop_reason model_context_window_exceeded); use a model with a larger window",
    ),
}


# Each error type's HTTP status (docs: api/errors, "HTTP errors"), for an `error` event mid-stream.
ERROR_STATUS = {
    "invalid_request_error": 400,
    "authentication_error": 401,
    "billing_error": 402,
    "permission_error": 403,
    "not_found_error": 404,
    "request_too_large": 413,
    "rate_limit_error": 429,
    "api_error": 500,
    "timeout_error": 504,
    "overloaded_error": 529,
}


class AnthropicProvider(SdkProvider):
    name = "anthropic"
    sdk = anthropic
    client_class = anthropic.AsyncAnthropic

    def request(self, conversation: Conversation, schema: dict[str, Any], model: str) -> dict[str, Any]:
        """The body of one messages call (the recorded-request tests check it against the docs)."""
        return {
            "model": model,
            "system": conversation.system,
            "messages": [{"role": t.role, "content": t.text} for t in conversation.turns],
            "max_tokens": self._max_tokens,
            "output_config": {"format": {"type": "json_schema", "schema": anthropic.transform_schema(schema)}},
            "stream": True,
        }

    async def complete(
        self, conversation: Conversation, schema: dict[str, Any], model: str, on_progress: Progress | None = None
    ) -> Completion:
        answer = StreamedMessage()
        with sdk_failures(anthropic, self._idle_s):
            async with self._client.messages.with_streaming_response.create(
                **self.request(conversation, schema, model)
            ) as response:
                async for events in EventReader(response.http_response.aiter_bytes(), self._idle_s):
                    chars = answer.chars
                    answer.read(events)
                    if on_progress is not None and answer.chars != chars:
                        on_progress(tokens_of(answer.chars))
        if not answer.finished:
            raise TransientFailure("the stream ended before the answer did", stalled=True)
        return completion(answer.model, "".join(answer.text), answer.stop, self._max_tokens, answer.usage())


class StreamedMessage:
    """What the events of one streamed message said so far."""

    __slots__ = (
        "chars",
        "counted",
        "finished",
        "input_tokens",
        "model",
        "output_tokens",
        "stop",
        "text",
    )

    def __init__(self) -> None:
        self.model = ""
        self.text: list[str] = []
        self.stop: str | None = None
        self.finished = False
        self.chars = 0  # of text so far: the progress
        self.input_tokens = self.output_tokens = 0
        self.counted = False  # whether any event carried usage

    def read(self, events: list[Event]) -> None:
        """Takes in one batch of events; raises the failure an `error` event stands for, or
        `TransientFailure` for an event that cannot be read."""
        for name, data in events:
            try:
                if name == "content_block_delta":
                    delta = json_of(data)["delta"]
                    if delta.get("type") == "text_delta":
                        self.text.append(delta["text"])
                        self.chars += len(delta["text"])
                elif name == "message_start":
                    message = json_of(data)["message"]
                    self.model = message.get("model") or ""
                    self._count(message.get("usage"))
                elif name == "message_delta":
                    body = json_of(data)
                    self.stop = body["delta"].get("stop_reason") or self.stop
                    self._count(body.get("usage"))  # cumulative counts (docs: streaming)
                elif name == "message_stop":
                    self.finished = True
                elif name == "error":
                    raise stream_error(json_of(data))
            except (ValueError, KeyError, AttributeError, TypeError) as e:
                raise TransientFailure(
                    f"unreadable response: a {name or 'nameless'} event that does not parse ({type(e).__name__}: {e})"
                ) from e

    def usage(self) -> TokenUsage | None:
        return TokenUsage(self.input_tokens, self.output_tokens) if self.counted else None

    def _count(self, usage: dict[str, Any] | None) -> None:
        if usage is None:
            return
        self.counted = True
        self.input_tokens = max(self.input_tokens, _input_tokens(usage))
        self.output_tokens = max(self.output_tokens, usage.get("output_tokens") or 0)


def stream_error(body: object) -> TransientFailure | FatalFailure | EndedFailure:
    """What an `error` event means, judged as an error answer of its type's status would be."""
    error = body.get("error") if isinstance(body, dict) else None
    kind = error.get("type") if isinstance(error, dict) else None
    message = error.get("message") if isinstance(error, dict) else None
    status = ERROR_STATUS.get(kind or "", 500)
    return failure_from_status(status, {}, f"{kind}: {message}" if message else str(body), body)


def completion(
    model: str, text: str, stop_reason: str | None, max_tokens: int = 0, usage: TokenUsage | None = None
) -> Completion:
    """The answer from its text blocks (thinking skipped) and its stop reason."""
    ended = _ENDED.get(stop_reason or "")
    if ended is not None:
        code, message = ended
        raise EndedFailure(code, message.format(max_tokens=max_tokens), usage)
    if not text.strip():
        return Completion(model, text, "the answer held no text", usage)
    return Completion(model, text, usage=usage)


def _input_tokens(usage: dict[str, Any]) -> int:
    """All input the request was billed for: uncached, written to and read from the prompt cache
    (docs: build-with-claude/prompt-caching, "Tracking cache performance")."""
    return sum(
        usage.get(name) or 0 for name in ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")
    )
