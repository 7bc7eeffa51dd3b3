"""Anthropic messages with structured output: `output_config.format` is the report's JSON schema.

Why not a forced tool call: Anthropic's current models reject `tool_choice` of type `tool` (or
`any`) while extended/adaptive thinking is on, and thinking is on by default on the current
Sonnet line (docs: build-with-claude/extended-thinking, "Tool use with thinking": "only
tool_choice: auto or none"). Structured outputs (docs: build-with-claude/structured-outputs)
constrain the answer's text to the schema instead. Their schema subset has no `minItems` above 1
and no `maxItems`; `anthropic.transform_schema` moves such constraints into the description and
the renderer's own template checks (`validate`) still enforce them.

The answer streams (docs: build-with-claude/streaming), so a long report is not cut by a request
timeout: the SDK's read timeout and `chunks` bound the gap between events (the idle timeout),
the caller bounds the whole answer; a stream without `message_stop` was cut (stalled, transient).
The answer is the text blocks joined; thinking blocks are skipped. Stop reasons other than
`end_turn` end the job with their own code: `max_tokens` (llm_output_truncated), `refusal`
(llm_refused), `model_context_window_exceeded` (llm_context_exceeded); a repair turn would only
make the prompt longer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import anthropic
import httpx2  # the SDKs' own HTTP client: its errors surface while a stream is read

from services.renderer.prompt import Conversation
from services.renderer.providers.base import (
    Completion,
    EndedFailure,
    ModelMissing,
    Progress,
    TokenUsage,
    TransientFailure,
    OnResponse,
    chunks,
    client_options,
    failure_from_status,
    tokens_of,
    watched_client,
)

_ENDED = {
    "max_tokens": ("llm_output_truncated",
                   "the answer reached max_tokens ({max_tokens}) before it was complete; raise "
                   "REPORTS_LLM_MAX_TOKENS or use a shorter template"),
    "refusal": ("llm_refused", "the model refused to write the report (stop_reason refusal)"),
    "model_context_window_exceeded": (
        "llm_context_exceeded",
        "the prompt and answer do not fit the model's context window "
        "(stop_reason model_context_window_exceeded); use a model with a larger window"),
}


class AnthropicProvider:
    name = "anthropic"

    def __init__(self, *, api_key: str, base_url: str | None, timeout_s: float,
                 max_tokens: int, headers: Mapping[str, str] | None = None,
                 on_response: OnResponse | None = None) -> None:
        self._idle_s = timeout_s
        self._max_tokens = max_tokens
        http_client = watched_client(anthropic.DefaultAsyncHttpxClient, on_response)
        self._client = anthropic.AsyncAnthropic(**client_options(api_key, base_url, timeout_s, headers, http_client))

    def request(self, conversation: Conversation, schema: dict[str, Any],
                model: str) -> dict[str, Any]:
        """The body of one messages call (the recorded-request tests check it against the docs)."""
        return {
            "model": model,
            "system": conversation.system,
            "messages": [{"role": t.role, "content": t.text} for t in conversation.turns],
            "max_tokens": self._max_tokens,
            "output_config": {"format": {"type": "json_schema",
                                         "schema": anthropic.transform_schema(schema)}},
            "stream": True,
        }

    async def complete(self, conversation: Conversation, schema: dict[str, Any],
                       model: str, on_progress: Progress | None = None) -> Completion:
        text: list[str] = []
        stop: str | None = None
        finished = False
        answered_by = ""
        input_tokens = output_tokens = 0
        counted = False
        try:
            stream = await self._client.messages.create(
                **self.request(conversation, schema, model))
            async with stream:
                async for event in chunks(stream, self._idle_s):
                    if event.type == "message_start":
                        answered_by = event.message.model or ""
                        if event.message.usage is not None:
                            counted = True
                            input_tokens = _input_tokens(event.message.usage)
                            output_tokens = event.message.usage.output_tokens or 0
                    elif event.type == "content_block_delta" and event.delta.type == "text_delta":
                        text.append(event.delta.text)
                        if on_progress is not None:
                            on_progress(tokens_of(sum(map(len, text))))
                    elif event.type == "message_delta":
                        stop = event.delta.stop_reason or stop
                        if event.usage is not None:  # cumulative counts (docs: streaming)
                            counted = True
                            input_tokens = max(input_tokens, _input_tokens(event.usage))
                            output_tokens = max(output_tokens, event.usage.output_tokens or 0)
                    elif event.type == "message_stop":
                        finished = True
        except anthropic.APIStatusError as e:
            raise failure_from_status(e.status_code, e.response.headers, e.message,
                                      e.body) from e
        except anthropic.APITimeoutError as e:
            raise TransientFailure(f"no answer within {self._idle_s:g}s", stalled=True) from e
        except anthropic.APIConnectionError as e:
            raise TransientFailure(f"connection failed: {e}") from e
        except anthropic.APIError as e:  # an answer the SDK could not read
            raise TransientFailure(f"unreadable response: {e}") from e
        except httpx2.HTTPError as e:  # the stream broke while being read
            raise TransientFailure(f"the stream broke: {e!r}", stalled=True) from e
        if not finished:
            raise TransientFailure("the stream ended before the answer did", stalled=True)
        usage = TokenUsage(input_tokens, output_tokens) if counted else None
        return completion(answered_by, "".join(text), stop, self._max_tokens, usage)

    async def check_model(self, model: str) -> None:
        try:
            await self._client.models.retrieve(model)
        except anthropic.NotFoundError as e:
            raise ModelMissing(f"anthropic has no model {model!r} (HTTP 404: {e.message})") from e

    async def aclose(self) -> None:
        await self._client.close()


def completion(model: str, text: str, stop_reason: str | None,
               max_tokens: int = 0, usage: TokenUsage | None = None) -> Completion:
    """The answer from its text blocks (thinking skipped) and its stop reason."""
    ended = _ENDED.get(stop_reason or "")
    if ended is not None:
        code, message = ended
        raise EndedFailure(code, message.format(max_tokens=max_tokens), usage)
    if not text.strip():
        return Completion(model, text, "the answer held no text", usage)
    return Completion(model, text, usage=usage)


def _input_tokens(usage: Any) -> int:
    """All input the request was billed for: uncached, written to and read from the prompt cache
    (docs: build-with-claude/prompt-caching, "Tracking cache performance")."""
    return sum(getattr(usage, name, None) or 0
               for name in ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"))
