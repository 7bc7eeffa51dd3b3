"""Every rejection path: its code, the line or JSON path its message names, and its path."""

from __future__ import annotations

import math

import pytest

from services.store.transcripts import TranscriptError, parse_transcript

OK = {"speaker": "A", "start": 0, "end": 1, "text": "a"}


def rejected(fmt: str | None, content: object) -> tuple[str, str, str]:
    with pytest.raises(TranscriptError) as caught:
        parse_transcript(fmt, content)
    return caught.value.code, caught.value.message, caught.value.path


@pytest.mark.parametrize(
    ("content", "message", "path"),
    [
        ({"x": 1}, 'content: must be a list of segments or {"segments": [...]}, got an object', "/content"),
        ([OK, 5], "segments[1]: must be an object, got a number", "/content/1"),
        ([OK, OK, OK, {**OK, "end": "2"}], "segments[3].end: must be a number, got a string", "/content/3/end"),
        (
            {"segments": [{"speaker": "A", "end": 1, "text": "a"}]},
            "segments[0].start: is required",
            "/content/segments/0/start",
        ),
        (
            [{**OK, "speaker": None}],
            "segments[0].speaker: is required, a non-empty string or an integer",
            "/content/0/speaker",
        ),
        (
            [{**OK, "speaker": 1.5}],
            "segments[0].speaker: must be a string or an integer, got a number",
            "/content/0/speaker",
        ),
        ([{**OK, "start": 5, "end": 3}], "segments[0].end: end 3 is before start 5", "/content/0/end"),
        ([{**OK, "start": -1}], "segments[0].start: must not be negative, got -1", "/content/0/start"),
        ([{**OK, "start": math.nan}], "segments[0].start: must be a finite number", "/content/0/start"),
        ([{**OK, "start": True}], "segments[0].start: must be a number, got a boolean", "/content/0/start"),
        ([{**OK, "text": None}], "segments[0].text: must be a string, got null", "/content/0/text"),
    ],
)
def test_native_segment_rejected_naming_index_and_field_when_malformed(
    content: object, message: str, path: str
) -> None:
    assert rejected("segments", content) == ("invalid_transcript", message, path)


@pytest.mark.parametrize(
    ("fmt", "content", "message", "path"),
    [
        (
            "whisperx",
            {"segments": [{"start": 0, "end": 1, "text": "a", "words": [{"word": "a", "start": "x"}]}]},
            "segments[0].words[0].start: must be a number, got a string",
            "/content/segments/0/words/0/start",
        ),
        ("whisperx", {"text": "hi"}, "segments: is required", "/content/segments"),
        ("whisperx", [], "content: must be an object, got a list", "/content"),
        (
            "assemblyai",
            {"utterances": [{"speaker": "A", "start": "0", "end": 1, "text": "a"}]},
            "utterances[0].start: must be a number, got a string",
            "/content/utterances/0/start",
        ),
        ("assemblyai", {"id": "x"}, "utterances: is required (or words[] with speakers)", "/content/utterances"),
        ("deepgram", {"metadata": {}}, "results: is required", "/content/results"),
        (
            "deepgram",
            {"results": {}},
            "results.channels: is required when results.utterances is absent",
            "/content/results/channels",
        ),
        (
            "deepgram",
            {"results": {"channels": [{"alternatives": [{}]}]}},
            "results.channels[0].alternatives[0].words: is required when results.utterances is absent",
            "/content/results/channels/0/alternatives/0/words",
        ),
        (
            "deepgram",
            {
                "results": {
                    "utterances": [
                        {"speaker": 0, "start": 0, "end": 1, "transcript": "a"},
                        {"speaker": 0, "start": 3, "end": 2, "transcript": "b"},
                    ]
                }
            },
            "results.utterances[1].end: end 2 is before start 3",
            "/content/results/utterances/1/end",
        ),
        (
            "segments",
            '[{"speaker": "A",',
            "line 1 column 18: invalid JSON: Expecting property name enclosed in double quotes",
            "/content",
        ),
    ],
)
def test_tool_json_rejected_naming_path_when_malformed(fmt: str, content: object, message: str, path: str) -> None:
    assert rejected(fmt, content) == ("invalid_transcript", message, path)


@pytest.mark.parametrize(
    ("fmt", "content", "message"),
    [
        ("webvtt", "hello", "line 1: expected the WEBVTT header, found 'hello'"),
        ("webvtt", "  \n", "line 1: the content is empty"),
        ("webvtt", ["x"], "content: must be a string holding WebVTT text"),
        (
            "webvtt",
            "WEBVTT\n\nA\n00:00:05.000 --> 00:00:03.000\nA: b\n",
            "line 4: end 00:00:03.000 is before start 00:00:05.000",
        ),
        (
            "webvtt",
            "WEBVTT\n\n00:00:01.000 --> 00:61:03.000\nA: b\n",
            "line 3: invalid timestamp '00:61:03.000', expected HH:MM:SS.mmm or MM:SS.mmm",
        ),
        (
            "webvtt",
            "WEBVTT\n\n00:00:01.000 --> soon\nA: b\n",
            "line 3: invalid timestamp 'soon', expected HH:MM:SS.mmm or MM:SS.mmm",
        ),
        (
            "webvtt",
            "WEBVTT\n\n00:00:01.000 --> 00:00:02.000 -->\nA: b\n",
            "line 3: invalid cue timing line '00:00:01.000 --> 00:00:02.000 -->'",
        ),
        (
            "webvtt",
            "WEBVTT\n\nsome words\nmore\n",
            "line 3: expected a cue timing line (00:00:01.000 --> 00:00:02.000), found 'some words'",
        ),
        (
            "srt",
            "Just some prose.\nNothing else.",
            "line 1: expected a cue timing line (00:00:01.000 --> 00:00:02.000), found 'Just some prose.'",
        ),
        (
            "srt",
            "1\n00:00:01,000 --> 00:00:02,000\nA: b\n\n2\n00:00:09,000 --> 00:00:08,500\nc\n",
            "line 6: end 00:00:08,500 is before start 00:00:09,000",
        ),
    ],
)
def test_text_format_rejected_naming_line_when_malformed(fmt: str, content: object, message: str) -> None:
    assert rejected(fmt, content) == ("invalid_transcript", message, "/content")


@pytest.mark.parametrize(
    ("fmt", "content", "message", "path"),
    [
        (
            "webvtt",
            "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Ann><i></i>\n",
            "content: no speech, every text is empty",
            "/content",
        ),
        ("webvtt", "WEBVTT\n", "content: no speech, every text is empty", "/content"),
        ("segments", [], "segments: no speech, every text is empty", "/content"),
        (
            "whisperx",
            {"segments": [{"start": 0, "end": 1, "text": " ", "speaker": "A"}]},
            "segments: no speech, every text is empty",
            "/content/segments",
        ),
    ],
)
def test_rejected_as_no_speech_when_no_text(fmt: str, content: object, message: str, path: str) -> None:
    assert rejected(fmt, content) == ("no_speech", message, path)


@pytest.mark.parametrize(
    ("fmt", "content", "path"),
    [
        ("srt", "1\n00:00:01,000 --> 00:00:02,000\n>> plain text\n", "/content"),
        ("whisperx", {"segments": [{"start": 0, "end": 1, "text": "a"}]}, "/content/segments"),
        ("assemblyai", {"utterances": [{"speaker": None, "start": 0, "end": 1, "text": "a"}]}, "/content/utterances"),
        (
            "deepgram",
            {"results": {"utterances": [{"start": 0, "end": 1, "transcript": "a"}]}},
            "/content/results/utterances",
        ),
    ],
)
def test_rejected_as_no_speakers_when_nothing_labelled(fmt: str, content: object, path: str) -> None:
    code, message, at = rejected(fmt, content)
    assert (code, at) == ("no_speakers", path)
    assert "no speaker labels" in message


def test_rejected_as_unknown_format_when_format_name_unsupported() -> None:
    assert rejected("pdf", "x") == (
        "unknown_format",
        "format: 'pdf' is not one of segments, webvtt, srt, whisperx, assemblyai, deepgram",
        "/format",
    )


@pytest.mark.parametrize(
    ("content", "what"),
    [
        ({"foo": 1}, "a JSON object with keys foo"),
        ('{"foo": 1}', "a JSON object with keys foo"),
        (42, "a number"),
        (None, "null"),
    ],
)
def test_rejected_as_unknown_format_when_detection_fails(content: object, what: str) -> None:
    assert rejected(None, content) == (
        "unknown_format",
        f"content: cannot tell the transcript format of {what}; if it is segments, whisperx, assemblyai or "
        "deepgram JSON, say so in transcript.format",
        "/content",
    )


@pytest.mark.parametrize("content", ["Just some prose.", "", "hello there\nno timestamps\n"])
def test_text_without_timestamps_is_not_a_transcript_and_no_format_is_suggested(content: str) -> None:
    code, message, path = rejected(None, content)
    assert (code, path) == ("unknown_format", "/content")
    assert message.startswith("content: text without timestamps is not a transcript;")
    assert "transcript.format" not in message


def test_rejected_as_invalid_json_when_detecting_broken_json() -> None:
    assert rejected(None, "{broken") == (
        "invalid_transcript",
        "line 1 column 2: invalid JSON: Expecting property name enclosed in double quotes",
        "/content",
    )


def test_error_refuses_code_when_not_a_stable_code() -> None:
    with pytest.raises(ValueError, match="unknown transcript error code"):
        TranscriptError("oops", "message")
