"""Format detection from content alone (real files are covered in test_transcripts_real_files)."""

from __future__ import annotations

import pytest

from services.store.transcripts import FORMATS, detect_format, parse_transcript

SEGMENT = {"speaker": "A", "start": 0, "end": 1, "text": "a"}


@pytest.mark.parametrize(
    ("content", "fmt"),
    [
        ("\ufeff\n\nWEBVTT\n\n00:01.000 --> 00:02.000\nA: b", "webvtt"),
        ("1\n00:00:01,000 --> 00:00:02,000\nA: b", "srt"),
        ("\n00:00:01,000 --> 00:00:02,000\nA: b", "srt"),
        ([SEGMENT], "segments"),
        ([], "segments"),
        ({"segments": [SEGMENT]}, "segments"),
        ({"segments": [{**SEGMENT, "words": None}]}, "whisperx"),
        ({"segments": [SEGMENT], "language": "en"}, "whisperx"),
        ({"utterances": []}, "assemblyai"),
        ({"utterances": None, "words": [], "audio_duration": 3}, "assemblyai"),
        ({"results": {"utterances": []}}, "deepgram"),
        ({"metadata": {}, "results": {"channels": []}}, "deepgram"),
    ],
)
def test_format_detected_when_content_has_its_markers(content: object, fmt: str) -> None:
    assert detect_format(content) == fmt


def test_format_name_accepted_when_cased_or_padded() -> None:
    assert parse_transcript(" WebVTT ", "WEBVTT\n\n00:01.000 --> 00:02.000\nA: b").format == "webvtt"


def test_formats_listed_when_imported() -> None:
    assert FORMATS == ("segments", "webvtt", "srt", "whisperx", "assemblyai", "deepgram")
