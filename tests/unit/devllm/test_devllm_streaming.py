"""The OpenAI events the dev LLM streams: each a whole chat.completion.chunk, whatever the text;
unpaced, they go out together."""

from __future__ import annotations

import asyncio
import json
from unittest import mock

from services.devllm import streaming

TEXT = 'a "quoted" é \u2028 \x00 back\\slash ' * 4
REPLY = {
    "id": "c1",
    "created": 7,
    "model": "gpt-x",
    "system_fingerprint": "fp",
    "choices": [
        {"index": 0, "message": {"role": "assistant", "content": TEXT, "refusal": None}, "finish_reason": "stop"}
    ],
    "usage": {"prompt_tokens": 3, "completion_tokens": 9},
}


def test_each_piece_is_a_whole_chunk_with_its_text() -> None:
    events = [text for text, piece in streaming.openai_events(REPLY, include_usage=True) if piece]
    head = {"id": "c1", "created": 7, "model": "gpt-x", "system_fingerprint": "fp", "object": "chat.completion.chunk"}
    expected = [
        f"data: {json.dumps({**head, 'choices': [{'index': 0, 'delta': {'content': p}, 'logprobs': None, 'finish_reason': None}], 'usage': None}, ensure_ascii=False)}\n\n"
        for p in streaming.pieces(TEXT)
    ]
    assert events == expected
    assert "".join(json.loads(e.removeprefix("data: "))["choices"][0]["delta"]["content"] for e in events) == TEXT


EVENTS = [("head", False), ("p1", True), ("p2", True), ("p3", True), ("p4", True), ("tail", False)]


def _writes(tokens_per_s: float, stall_s: float, slept: list[float]) -> list[str]:
    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    async def collect() -> list[str]:
        with mock.patch.object(streaming.asyncio, "sleep", sleep):
            return [text async for text in streaming.paced(iter(EVENTS), tokens_per_s, stall_s)]

    return asyncio.run(collect())


def test_an_unpaced_stream_goes_out_in_one_write() -> None:
    slept: list[float] = []
    assert _writes(0, 0, slept) == ["headp1p2p3p4tail"]
    assert slept == []


def test_an_unpaced_stream_that_stalls_is_two_writes_either_side_of_the_stall() -> None:
    slept: list[float] = []
    assert _writes(0, 5.0, slept) == ["headp1", "p2p3p4tail"]
    assert slept == [5.0]


def test_a_paced_stream_is_a_write_per_event_with_a_pause_before_each_piece() -> None:
    slept: list[float] = []
    assert _writes(400, 0, slept) == [text for text, _ in EVENTS]
    assert slept == [streaming.TOKENS_PER_PIECE / 400] * 4
