"""The event-stream decoder and reader behind both providers, and what each provider reads."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable

import httpx2
import pytest

from services.renderer.providers.anthropic_provider import StreamedMessage
from services.renderer.providers.base import (
    EndedFailure,
    FatalFailure,
    TokenUsage,
    TransientFailure,
)
from services.renderer.providers.openai_provider import StreamedAnswer
from services.renderer.providers.sse import Decoder, Event, EventReader, json_of

OPENAI_BODY = (
    'data: {"id":"c1","object":"chat.completion.chunk","model":"gpt-x","choices":[{"index":0,'
    '"delta":{"role":"assistant","content":""},"finish_reason":null}]}\n\n'
    ": keep-alive\n\n"
    'data: {"id":"c1","model":"gpt-x","choices":[{"index":0,"delta":{"content":"{\\"a\\": \\"é"},'
    '"finish_reason":null}]}\n\n'
    'data: {"id":"c1","model":"gpt-x","choices":[{"index":0,"delta":{"content":"\u2028\\"}"},'
    '"finish_reason":null}]}\n\n'
    'data: {"id":"c1","model":"gpt-x","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n'
    'data: {"id":"c1","model":"gpt-x","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":3}}\n\n'
    "data: [DONE]\n\n"
).encode()


def _anthropic(*events: tuple[str, dict]) -> bytes:
    return "".join(f"event: {name}\ndata: {json.dumps(body, ensure_ascii=False)}\n\n" for name, body in events).encode()


ANTHROPIC_BODY = _anthropic(
    (
        "message_start",
        {
            "type": "message_start",
            "message": {
                "model": "claude-x",
                "content": [],
                "usage": {"input_tokens": 7, "cache_read_input_tokens": 3, "output_tokens": 1},
            },
        },
    ),
    ("ping", {"type": "ping"}),
    (
        "content_block_start",
        {"type": "content_block_start", "index": 0, "content_block": {"type": "thinking", "thinking": ""}},
    ),
    (
        "content_block_delta",
        {"type": "content_block_delta", "index": 0, "delta": {"type": "thinking_delta", "thinking": "hmm"}},
    ),
    ("content_block_stop", {"type": "content_block_stop", "index": 0}),
    (
        "content_block_delta",
        {"type": "content_block_delta", "index": 1, "delta": {"type": "text_delta", "text": '{"a": '}},
    ),
    ("a_later_event_type", {"type": "a_later_event_type"}),
    (
        "content_block_delta",
        {"type": "content_block_delta", "index": 1, "delta": {"type": "text_delta", "text": '"é"}'}},
    ),
    ("message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 5}}),
    ("message_stop", {"type": "message_stop"}),
)


def _decode(pieces: Iterable[bytes]) -> list[Event]:
    decoder = Decoder()
    return [event for piece in pieces for event in decoder.feed(piece)]


def _split(body: bytes, size: int) -> list[bytes]:
    return [body[i : i + size] for i in range(0, len(body), size)]


@pytest.mark.parametrize("size", [1, 2, 3, 7, 64, 10_000])
def test_decoder_gives_the_same_events_when_reads_split_lines_and_characters(size):
    assert _decode(_split(OPENAI_BODY, size)) == _decode([OPENAI_BODY])
    assert _decode(_split(ANTHROPIC_BODY, size)) == _decode([ANTHROPIC_BODY])


def test_decoder_skips_comments_and_events_without_data_when_keeping_alive():
    events = _decode([b": ping\n\n:\n\nevent: nothing\n\nid: 4\nretry: 10\ndata: x\n\n"])
    assert events == [Event("", "x")]


@pytest.mark.parametrize("ending", [b"\n", b"\r\n", b"\r"])
def test_decoder_reads_every_line_ending_when_the_server_uses_it(ending):
    body = ending.join([b"event: a", b"data: 1", b"data:2", b"", b"data: 3", b"", b""])
    assert _decode(_split(body, 1)) == [Event("a", "1\n2"), Event("", "3")]


def test_decoder_holds_an_unfinished_event_when_the_body_stops_mid_way():
    assert _decode([b'data: {"a":', b" 1}\n"]) == []


def test_decoder_keeps_line_separators_inside_data_when_they_are_not_line_ends():
    assert _decode(['data: "\u2028\u0085"\n\n'.encode()]) == [Event("", '"\u2028\u0085"')]


def test_decoder_fails_stalled_when_a_line_never_ends_within_the_cap():
    decoder = Decoder(max_event_bytes=100)
    assert decoder.feed(b"data: " + b"x" * 90) == []
    with pytest.raises(TransientFailure, match="a line longer than 100 bytes") as raised:
        for _ in range(10_000):
            decoder.feed(b"x" * 10)
    assert raised.value.stalled


@pytest.mark.parametrize(
    "pieces",
    [[b"data: " + b"x" * 60, b"x" * 60 + b"\n"], [b"data: " + b"x" * 200 + b"\n"], [b"data: 1\n" + b"x" * 200]],
)
def test_decoder_fails_stalled_when_a_line_ends_past_the_cap(pieces):
    decoder = Decoder(max_event_bytes=100)
    with pytest.raises(TransientFailure, match="longer than 100 bytes"):
        for piece in pieces:
            decoder.feed(piece)


def test_decoder_fails_stalled_when_an_events_data_lines_together_pass_the_cap():
    decoder = Decoder(max_event_bytes=100)
    with pytest.raises(TransientFailure, match="an event longer than 100 bytes") as raised:
        for _ in range(100):
            decoder.feed(b"data: " + b"x" * 20 + b"\n")
    assert raised.value.stalled


def test_decoder_reads_lines_and_events_up_to_the_cap_when_they_come_in_many_reads():
    decoder = Decoder(max_event_bytes=100)
    body = b"data: " + b"x" * 40 + b"\ndata: " + b"y" * 40 + b"\n\n"
    events = [event for _ in range(50) for piece in _split(body, 3) for event in decoder.feed(piece)]
    assert events == [Event("", "x" * 40 + "\n" + "y" * 40)] * 50


def test_openai_answer_reads_text_finish_and_model_when_the_stream_is_whole():
    answer = StreamedAnswer()
    done = answer.read(_decode([OPENAI_BODY]))
    assert done and answer.finish == "stop" and answer.model == "gpt-x"
    assert answer.usage == TokenUsage(9, 3)
    assert "".join(answer.text) == '{"a": "é\u2028"}' and answer.chars == len('{"a": "é\u2028"}')


def test_openai_answer_stops_reading_at_done_when_more_follows():
    answer = StreamedAnswer()
    assert answer.read([Event("", "[DONE]"), Event("", "not json")])
    assert answer.text == []


def test_openai_answer_keeps_a_refusal_apart_when_the_model_refuses():
    answer = StreamedAnswer()
    answer.read(
        [
            Event("", '{"choices":[{"delta":{"refusal":"I can"},"finish_reason":null}]}'),
            Event("", '{"choices":[{"delta":{"refusal":"not"},"finish_reason":"stop"}]}'),
        ]
    )
    assert "".join(answer.refusal) == "I cannot" and answer.text == []


def test_openai_answer_fails_transient_when_an_error_comes_mid_stream():
    answer = StreamedAnswer()
    with pytest.raises(TransientFailure, match="reported an error: The server had an error"):
        answer.read([Event("", '{"error":{"message":"The server had an error","type":"server_error"}}')])


@pytest.mark.parametrize("data", ["{not json", "[1, 2]", '{"choices": [3]}'])
def test_openai_answer_fails_transient_when_a_chunk_cannot_be_read(data):
    with pytest.raises(TransientFailure, match="unreadable response"):
        StreamedAnswer().read([Event("", data)])


def test_anthropic_message_reads_text_blocks_only_when_thinking_comes_first():
    message = StreamedMessage()
    message.read(_decode([ANTHROPIC_BODY]))
    assert "".join(message.text) == '{"a": "é"}' and message.chars == len('{"a": "é"}')
    assert message.model == "claude-x" and message.stop == "end_turn" and message.finished
    assert message.usage() == TokenUsage(10, 5)


def test_anthropic_message_has_no_usage_when_no_event_counts_tokens():
    message = StreamedMessage()
    message.read([Event("message_start", '{"message": {"model": "m"}}'), Event("message_stop", "{}")])
    assert message.usage() is None


def test_anthropic_message_is_unfinished_when_message_stop_never_comes():
    message = StreamedMessage()
    message.read(_decode([ANTHROPIC_BODY.rsplit(b"event: message_stop", 1)[0]]))
    assert not message.finished and message.stop == "end_turn"


@pytest.mark.parametrize(
    "error, kind",
    [
        ({"type": "overloaded_error", "message": "Overloaded"}, TransientFailure),
        ({"type": "api_error", "message": "Internal"}, TransientFailure),
        ({"type": "rate_limit_error", "message": "slow down"}, TransientFailure),
        ({"type": "invalid_request_error", "message": "bad"}, FatalFailure),
        (
            {"type": "invalid_request_error", "message": "Your credit balance is too low to access the Anthropic API."},
            EndedFailure,
        ),
        ({"type": "a_new_error"}, TransientFailure),
    ],
)
def test_anthropic_error_event_is_judged_by_its_type_when_it_comes_mid_stream(error, kind):
    message = StreamedMessage()
    start = ANTHROPIC_BODY.split(b"\n\n")[0] + b"\n\n"
    events = _decode([start, _anthropic(("error", {"type": "error", "error": error}))])
    with pytest.raises(kind):
        message.read(events)


def test_anthropic_message_fails_transient_when_an_event_cannot_be_read():
    with pytest.raises(TransientFailure, match="content_block_delta event that does not parse"):
        StreamedMessage().read([Event("content_block_delta", '{"type": "content_block_delta"}')])


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def _body(clock: Clock, pieces: list[tuple[float, bytes | Exception]]) -> AsyncIterator[bytes]:
    for after, piece in pieces:
        clock.now += after
        if isinstance(piece, Exception):
            raise piece
        yield piece


async def _read_all(reader: EventReader) -> list[Event]:
    return [event async for batch in reader for event in batch]


async def test_reader_gives_batches_until_the_body_ends_when_events_keep_coming():
    clock = Clock()
    reader = EventReader(
        _body(clock, [(4, b"data: 1\n\ndata: 2\n\n"), (4, b": ka\n\n"), (4, b"data: 3\n\n")]), idle_s=5, clock=clock
    )
    assert await _read_all(reader) == [Event("", "1"), Event("", "2"), Event("", "3")]


@pytest.mark.parametrize(
    "pieces, message",
    [
        ([(2, b": keep-alive\n\n"), (2, b"event: ping\ndata: {}\n\n")] * 2, "only keep-alives"),
        ([(5, httpx2.ReadTimeout("timed out"))], "no streamed chunk within 5s"),
    ],
)
async def test_reader_fails_stalled_when_no_event_comes_within_the_idle_timeout(pieces, message):
    clock = Clock()
    reader = EventReader(_body(clock, [(1, b"data: 1\n\n"), *pieces]), idle_s=5, clock=clock)
    with pytest.raises(TransientFailure, match=message) as caught:
        await _read_all(reader)
    assert caught.value.stalled


async def test_reader_drains_the_rest_quietly_when_the_answer_is_complete():
    async def body() -> AsyncIterator[bytes]:
        yield b"data: [DONE]\n\n"
        yield b"0\r\n"
        raise httpx2.ReadError("closed")

    reader = EventReader(body(), idle_s=5)
    assert await anext(reader) == [Event("", "[DONE]")]
    await reader.drain()
    assert await _read_all(reader) == []


@pytest.mark.parametrize(
    "data",
    [
        '{"a": [1, "é"]}',
        ' {"a": 1}',
        '{"a": 1} ',
        '{"a": 1}\t\n',
        "[DONE]",
        '{"a": 1}{"b": 2}',
        '{"a": 1} x',
        "",
        '"text"',
        '{"a": ',
        "nan",
        "12",
    ],
)
def test_json_of_gives_what_json_loads_gives(data):
    try:
        expected: object = json.loads(data)
    except ValueError as e:
        with pytest.raises(ValueError) as raised:
            json_of(data)
        assert str(raised.value) == str(e)
    else:
        assert json_of(data) == expected
