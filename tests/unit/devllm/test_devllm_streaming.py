"""The OpenAI events the dev LLM streams: each a whole chat.completion.chunk, whatever the text."""

from __future__ import annotations

import json

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
