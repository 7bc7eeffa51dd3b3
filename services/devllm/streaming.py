"""A finished answer told as each API streams it (`stream: true`), at a chosen speed.

OpenAI (docs: api-reference/chat-streaming): `data: {chat.completion.chunk}` lines, the role in
the first delta, the text in `delta.content` (or `delta.refusal`), `finish_reason` in the last
choice chunk, a usage chunk with no choices when `stream_options.include_usage`, then
`data: [DONE]`. Anthropic (docs: build-with-claude/streaming): `message_start`, per content
block `content_block_start` / `content_block_delta` (`text_delta`, `thinking_delta`,
`signature_delta`, `input_json_delta`) / `content_block_stop`, `message_delta` with the stop
reason and usage, `message_stop`; each as `event: NAME` + `data: {...}`.

`tokens_per_s` paces the pieces (0: as fast as possible); `stall_s` holds the stream once, half
way, as a provider that stops sending does.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

TOKENS_PER_PIECE = 4
_CHARS_PER_TOKEN = 4


def pieces(text: str) -> list[str]:
    size = TOKENS_PER_PIECE * _CHARS_PER_TOKEN
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


async def paced(events: Iterator[tuple[str, bool]], tokens_per_s: float, stall_s: float) -> AsyncIterator[str]:
    """The events' SSE text; a pause of one piece's time before each piece (`True` marks one),
    and `stall_s` once after half of them."""
    listed = list(events)
    total = sum(1 for _, piece in listed if piece)
    sent = 0
    for text, piece in listed:
        if piece:
            if tokens_per_s > 0:
                await asyncio.sleep(TOKENS_PER_PIECE / tokens_per_s)
            sent += 1
            if stall_s and sent == max(1, total // 2):
                await asyncio.sleep(stall_s)
        yield text


def openai_events(reply: dict[str, Any], include_usage: bool) -> Iterator[tuple[str, bool]]:
    choice = reply["choices"][0]
    message = choice["message"]
    head = {k: reply[k] for k in ("id", "created", "model", "system_fingerprint")}
    head["object"] = "chat.completion.chunk"

    def chunk(delta: dict[str, Any], finish: str | None = None) -> str:
        body = {**head, "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]}
        if include_usage:
            body["usage"] = None
        return _data(body)

    yield chunk({"role": "assistant", "content": "", "refusal": None}), False
    key = "refusal" if message.get("refusal") else "content"
    around = _around(lambda text: chunk({key: text}))
    for piece in pieces(message.get(key) or ""):
        yield around(piece), True
    yield chunk({}, choice["finish_reason"]), False
    if include_usage:
        yield _data({**head, "choices": [], "usage": reply["usage"]}), False
    yield "data: [DONE]\n\n", False


def anthropic_events(message: dict[str, Any]) -> Iterator[tuple[str, bool]]:
    start = {
        **message,
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {**message["usage"], "output_tokens": 1},
    }
    yield _event("message_start", {"type": "message_start", "message": start}), False
    yield _event("ping", {"type": "ping"}), False
    for index, block in enumerate(message["content"]):
        kind = block["type"]
        empty = {
            "text": {"type": "text", "text": ""},
            "thinking": {"type": "thinking", "thinking": "", "signature": ""},
            "tool_use": {**block, "input": {}},
        }[kind]
        yield (
            _event("content_block_start", {"type": "content_block_start", "index": index, "content_block": empty}),
            False,
        )
        if kind == "text":
            deltas = [{"type": "text_delta", "text": p} for p in pieces(block["text"])]
        elif kind == "thinking":
            deltas = [
                {"type": "thinking_delta", "thinking": block["thinking"]},
                {"type": "signature_delta", "signature": block["signature"]},
            ]
        else:
            text = json.dumps(block["input"], ensure_ascii=False)
            deltas = [{"type": "input_json_delta", "partial_json": p} for p in pieces(text)]
        for delta in deltas:
            yield (
                _event("content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta}),
                kind != "thinking",
            )
        yield _event("content_block_stop", {"type": "content_block_stop", "index": index}), False
    yield (
        _event(
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": message["stop_reason"], "stop_sequence": None},
                "usage": {"output_tokens": message["usage"]["output_tokens"]},
            },
        ),
        False,
    )
    yield _event("message_stop", {"type": "message_stop"}), False


def _around(event: Callable[[str], str]) -> Callable[[str], str]:
    """`event` for any text, with the rest of the event encoded once rather than once per piece
    (json.dumps of each whole OpenAI chunk was a third of the dev LLM's CPU in B2); the same text either way."""
    before, after = event(_MARK).split(json.dumps(_MARK), 1)
    return lambda text: before + json.dumps(text, ensure_ascii=False) + after


_MARK = "\x00"  # in no event's other fields: encoded as "\u0000", found once


def _data(body: dict[str, Any]) -> str:
    return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"


def _event(name: str, body: dict[str, Any]) -> str:
    return f"event: {name}\ndata: {json.dumps(body, ensure_ascii=False)}\n\n"
