"""Every real export in tests/fixtures/transcripts parses with the speakers read off the files."""

from __future__ import annotations

import itertools
import json
from collections import Counter
from pathlib import Path

import pytest

from services.store.transcripts import (
    Segment,
    TranscriptError,
    detect_format,
    parse_transcript,
    speaker_ids,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "transcripts"


def read(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


# Counts verified against the files: buzzsprout-qa turns start at cues 1 (Travis), 18 (Sarah),
# 31 (Travis), 65 (Gilon), 78 (Travis), 94 (Gilon), 112 (Travis), 166 (Sarah), 179 (Gilon) and
# 203 (Travis) of 222, so Travis 17+34+16+54+20 = 141, Sarah 13+13 = 26, Gilon 13+18+24 = 55.
# dosparlants: 14 cues, SPEAKER_00 on 8, SPEAKER_01 on 6 (grep). Deepgram: 22 utterances, speaker
# 0 on 5, 1 on 12, 2 on 5. AMI: 348 segments, FEE041 148, FEE043 96, FEE044 85, FEE042 19.
REAL_FILES = {
    "buzzsprout-trailer.vtt": ("webvtt", {"Sarah": 5, "Gillian": 2}, 25.35),
    "buzzsprout-qa.vtt": ("webvtt", {"Travis": 141, "Sarah": 26, "Gilon": 55}, 754.769),
    "buzzsprout-qa.srt": ("srt", {"Travis": 141, "Sarah": 26, "Gilon": 55}, 754.769),
    "dosparlants.vtt": ("webvtt", {"SPEAKER_01": 6, "SPEAKER_00": 8}, 34.0),
    "dosparlants.srt": ("srt", {"SPEAKER_01": 6, "SPEAKER_00": 8}, 34.0),
    "dosparlants.whisper.json": ("whisperx", {"SPEAKER_01": 6, "SPEAKER_00": 8}, 34.0),
    "spacewalk.assemblyai.json": ("assemblyai", {"A": 1}, 25.14),
    "spacewalk.deepgram.json": ("deepgram", {"0": 5, "1": 12, "2": 5}, 163.105),
    "ami-es2011a.segments.json": (
        "segments",
        {"FEE041": 148, "FEE044": 85, "FEE043": 96, "FEE042": 19},
        1113.77,
    ),
}


@pytest.mark.parametrize("name", sorted(REAL_FILES))
def test_real_export_parses_with_its_speakers_when_format_detected(name: str) -> None:
    fmt, counts, duration = REAL_FILES[name]
    parsed = parse_transcript(None, read(name))
    assert parsed.format == fmt
    assert speaker_ids(parsed.segments) == list(counts)  # dict order = order of first speech
    assert Counter(s.speaker for s in parsed.segments) == counts
    assert parsed.duration_sec == duration


@pytest.mark.parametrize("name", sorted(REAL_FILES))
def test_real_export_parses_the_same_when_format_named(name: str) -> None:
    fmt = REAL_FILES[name][0]
    assert parse_transcript(fmt, read(name)) == parse_transcript(None, read(name))


@pytest.mark.parametrize("name", sorted(REAL_FILES))
def test_format_detected_when_given_each_real_export(name: str) -> None:
    assert detect_format(read(name)) == REAL_FILES[name][0]


@pytest.mark.parametrize("name", [n for n in sorted(REAL_FILES) if n.endswith(".json")])
def test_json_export_parses_the_same_when_given_decoded(name: str) -> None:
    assert parse_transcript(None, json.loads(read(name))) == parse_transcript(None, read(name))


def test_captions_rejected_as_no_speakers_when_only_chevrons_mark_changes() -> None:
    assert detect_format(read("oakland-council-captions.vtt")) == "webvtt"
    with pytest.raises(TranscriptError) as caught:
        parse_transcript("webvtt", read("oakland-council-captions.vtt"))
    assert caught.value.code == "no_speakers"
    assert caught.value.path == "/content"


def test_unlabelled_cues_continue_the_turn_when_only_first_cue_names_speaker() -> None:
    segments = parse_transcript("webvtt", read("buzzsprout-qa.vtt")).segments
    assert segments[1] == Segment(
        "Travis", 2.4, 4.799, "almost guaranteed that you're going to make a handful of rookie"
    )
    # cue 65 is the first with the `Gilon:` prefix (the only speaker not given a <v> tag)
    assert [s.speaker for s in segments[63:66]] == ["Travis", "Gilon", "Gilon"]
    assert segments[64].text.startswith("So is there an ideal")


def test_srt_and_vtt_of_one_episode_agree_when_both_parsed() -> None:
    vtt = parse_transcript("webvtt", read("buzzsprout-qa.vtt")).segments
    srt = parse_transcript("srt", read("buzzsprout-qa.srt")).segments
    assert [(s.speaker, s.start, s.end) for s in vtt] == [(s.speaker, s.start, s.end) for s in srt]


def test_entities_decoded_when_trailer_has_ampersand() -> None:
    segments = parse_transcript("webvtt", read("buzzsprout-trailer.vtt")).segments
    assert segments[2].text == "include in one? Welcome to Podcasting Q&A, where you learn"


def test_milliseconds_converted_when_assemblyai_utterances() -> None:
    (segment,) = parse_transcript("assemblyai", read("spacewalk.assemblyai.json")).segments
    assert (segment.speaker, segment.start, segment.end) == ("A", 0.17, 25.14)
    assert segment.text.startswith("Yeah. As much as it's worth celebrating")


def test_deepgram_speakers_become_strings_when_integers() -> None:
    segments = parse_transcript("deepgram", read("spacewalk.deepgram.json")).segments
    assert (segments[0].speaker, segments[0].start, segments[0].text) == ("0", 3.04, "And,")
    assert segments[4].speaker == "1"


def test_deepgram_words_grouped_into_turns_when_utterances_absent() -> None:
    data = json.loads(read("spacewalk.deepgram.json"))
    del data["results"]["utterances"]
    segments = parse_transcript(None, data).segments
    assert [s.speaker for s in segments[:4]] == ["0", "1", "0", "1"]
    assert segments[0].start == 3.04 and segments[0].end == 17.279999
    assert segments[0].text.startswith("And, Jessica, Christina, we are so proud of you.")


def test_segments_sorted_with_overlaps_kept_when_source_grouped_by_speaker() -> None:
    segments = parse_transcript("segments", read("ami-es2011a.segments.json")).segments
    assert segments[0] == Segment("FEE041", 34.27, 37.14, "HERE WE GO")
    assert all((a.start, a.end) <= (b.start, b.end) for a, b in itertools.pairwise(segments))
    assert any(b.start < a.end for a, b in itertools.pairwise(segments))


def test_whisper_segments_parse_when_words_null() -> None:
    segments = parse_transcript("whisperx", read("dosparlants.whisper.json")).segments
    assert segments[0] == Segment("SPEAKER_01", 0.0, 2.0, "Hola, bon dia, com et dius?")
