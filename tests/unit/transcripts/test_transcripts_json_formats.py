"""The JSON formats: native segments, WhisperX, AssemblyAI and Deepgram, inline."""

from __future__ import annotations

import json

from services.store.transcripts import Segment, parse_transcript, speaker_ids


def segs(fmt: str | None, content: object) -> list[tuple[str, float, float, str]]:
    return [(s.speaker, s.start, s.end, s.text) for s in parse_transcript(fmt, content).segments]


def test_native_list_read_when_well_formed() -> None:
    content = [
        {"speaker": "Ann", "start": 0, "end": 1.5, "text": "  Hi  there "},
        {"speaker": 7, "start": 1.5, "end": 2, "text": "Yo"},
    ]
    assert segs("segments", content) == [("Ann", 0.0, 1.5, "Hi there"), ("7", 1.5, 2.0, "Yo")]


def test_native_wrapper_read_when_segments_key_used() -> None:
    content = {"segments": [{"speaker": "Ann", "start": 0, "end": 1, "text": "Hi"}]}
    assert segs(None, content) == [("Ann", 0.0, 1.0, "Hi")]


def test_json_string_parsed_when_content_is_text() -> None:
    content = json.dumps([{"speaker": "Ann", "start": 0, "end": 1, "text": "Hi"}])
    assert segs("segments", content) == segs(None, "\n " + content) == [("Ann", 0.0, 1.0, "Hi")]


def test_empty_text_dropped_when_segment_blank() -> None:
    content = [
        {"speaker": "Ann", "start": 0, "end": 1, "text": "   "},
        {"speaker": "Ben", "start": 1, "end": 2, "text": "Hi"},
    ]
    assert segs("segments", content) == [("Ben", 1.0, 2.0, "Hi")]


def test_order_stable_and_overlaps_kept_when_segments_unsorted() -> None:
    content = [
        {"speaker": "B", "start": 2, "end": 3, "text": "b"},
        {"speaker": "A", "start": 0, "end": 5, "text": "a"},
        {"speaker": "C", "start": 2, "end": 3, "text": "c"},
    ]
    parsed = parse_transcript("segments", content)
    assert parsed.segments == (
        Segment("A", 0.0, 5.0, "a"),
        Segment("B", 2.0, 3.0, "b"),
        Segment("C", 2.0, 3.0, "c"),
    )
    assert parsed.duration_sec == 5.0


def test_whisperx_turns_follow_words_when_words_carry_speakers() -> None:
    content = {
        "segments": [
            {
                "start": 0.0,
                "end": 4.0,
                "text": " Hi Bob. Hello.",
                "speaker": "SPEAKER_00",
                "words": [
                    {"word": "Hi", "start": 0.0, "end": 0.5, "speaker": "SPEAKER_00"},
                    {"word": "Bob.", "start": 0.6, "end": 1.0, "speaker": "SPEAKER_00"},
                    {"word": "Hello.", "start": 2.0, "end": 3.0, "speaker": "SPEAKER_01"},
                    {"word": "2024", "speaker": "SPEAKER_01"},
                ],
            },
            {"start": 4.0, "end": 5.0, "text": " Right.", "words": []},
        ],
        "word_segments": [],
        "language": "en",
    }
    # the unaligned "2024" joins SPEAKER_01's run, which then ends at the segment end (4.0);
    # the last segment names no speaker and continues SPEAKER_01
    assert segs(None, content) == [
        ("SPEAKER_00", 0.0, 1.0, "Hi Bob."),
        ("SPEAKER_01", 2.0, 3.0, "Hello. 2024"),
        ("SPEAKER_01", 4.0, 5.0, "Right."),
    ]


def test_whisperx_segment_speaker_used_when_words_have_none() -> None:
    content = {
        "segments": [
            {"start": 1, "end": 2, "text": "Hey", "speaker": "S1", "words": [{"word": "Hey", "start": 1, "end": 2}]}
        ]
    }
    assert segs("whisperx", content) == [("S1", 1.0, 2.0, "Hey")]


def test_whisperx_segments_read_when_words_null() -> None:
    segment = {"id": 1, "start": 1, "end": 2, "text": " Hey", "speaker": "S1", "words": None}
    content = {"segments": [segment]}
    assert segs(None, content) == [("S1", 1.0, 2.0, "Hey")]


def test_assemblyai_milliseconds_converted_when_utterances_present() -> None:
    content = {
        "utterances": [
            {"speaker": "A", "start": 250, "end": 1999, "text": "Hi."},
            {"speaker": "B", "start": 2000, "end": 3500, "text": "Hello."},
        ],
        "audio_duration": 4,
    }
    assert segs(None, content) == [("A", 0.25, 1.999, "Hi."), ("B", 2.0, 3.5, "Hello.")]


def test_assemblyai_words_grouped_when_utterances_null() -> None:
    content = {
        "utterances": None,
        "words": [
            {"text": "Hi", "start": 0, "end": 400, "speaker": "A"},
            {"text": "there.", "start": 500, "end": 900, "speaker": "A"},
            {"text": "Yes.", "start": 1000, "end": 1400, "speaker": "B"},
        ],
    }
    assert segs("assemblyai", content) == [("A", 0.0, 0.9, "Hi there."), ("B", 1.0, 1.4, "Yes.")]


def test_deepgram_utterances_read_when_present() -> None:
    content = {
        "results": {
            "utterances": [
                {"speaker": 1, "start": 0.5, "end": 1.25, "transcript": "Hello."},
                {"speaker": 0, "start": 1.5, "end": 2.0, "transcript": "Hi."},
            ]
        }
    }
    assert segs(None, content) == [("1", 0.5, 1.25, "Hello."), ("0", 1.5, 2.0, "Hi.")]


def test_deepgram_words_grouped_with_punctuation_when_no_utterances() -> None:
    words = [
        {"word": "hello", "punctuated_word": "Hello,", "start": 0.0, "end": 0.4, "speaker": 0},
        {"word": "bob", "punctuated_word": "Bob.", "start": 0.5, "end": 0.9, "speaker": 0},
        {"word": "hi", "start": 1.0, "end": 1.2, "speaker": 1},
        {"word": "again", "punctuated_word": "Again.", "start": 1.5, "end": 1.9, "speaker": 0},
    ]
    content = {"results": {"channels": [{"alternatives": [{"transcript": "", "words": words}]}]}}
    assert segs(None, content) == [
        ("0", 0.0, 0.9, "Hello, Bob."),
        ("1", 1.0, 1.2, "hi"),
        ("0", 1.5, 1.9, "Again."),
    ]


def test_speaker_ids_in_first_appearance_order_when_unknown_present() -> None:
    segments = [
        Segment("unknown", 0, 1, "a"),
        Segment("B", 1, 2, "b"),
        Segment("A", 2, 3, "c"),
        Segment("B", 3, 4, "d"),
    ]
    assert speaker_ids(segments) == ["B", "A"]
    assert speaker_ids(segments, include_unknown=True) == ["unknown", "B", "A"]
