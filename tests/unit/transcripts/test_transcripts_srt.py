"""SRT quirks, one small inline transcript each."""

from __future__ import annotations

from services.store.transcripts import parse_transcript


def parsed(text: str) -> list[tuple[str, float, float, str]]:
    return [(s.speaker, s.start, s.end, s.text) for s in parse_transcript("srt", text).segments]


def test_numbered_cues_read_when_well_formed() -> None:
    text = (
        "1\n00:00:01,000 --> 00:00:02,500\nAnn: Hello,\nworld.\n\n"
        "2\n00:00:02,500 --> 00:00:04,000\n[SPEAKER_01]: Hi.\n\n"
        "3\n01:00:00,000 --> 01:00:01,000\nSPEAKER_02: Late.\n"
    )
    assert parsed(text) == [
        ("Ann", 1.0, 2.5, "Hello, world."),
        ("SPEAKER_01", 2.5, 4.0, "Hi."),
        ("SPEAKER_02", 3600.0, 3601.0, "Late."),
    ]


def test_dot_accepted_when_used_before_milliseconds() -> None:
    assert parsed("1\n00:00:01.000 --> 00:00:02.000\nAnn: Hi\n") == [("Ann", 1.0, 2.0, "Hi")]


def test_cues_split_when_blank_lines_missing() -> None:
    text = (
        "1\n00:00:01,000 --> 00:00:02,000\nAnn: one\n"
        "2\n00:00:02,000 --> 00:00:03,000\ntwo\n"
        "00:00:03,000 --> 00:00:04,000\nBen: three"
    )
    assert parsed(text) == [
        ("Ann", 1.0, 2.0, "one"),
        ("Ann", 2.0, 3.0, "two"),
        ("Ben", 3.0, 4.0, "three"),
    ]


def test_trailing_spaces_ignored_when_on_any_line() -> None:
    text = "1   \n00:00:01,000 --> 00:00:02,000   \nAnn: Hi   \n   \n2 \n00:00:02,000 --> 00:00:03,000 \nthere \n"
    assert parsed(text) == [("Ann", 1.0, 2.0, "Hi"), ("Ann", 2.0, 3.0, "there")]


def test_text_kept_in_cue_when_blank_line_inside_it() -> None:
    text = "1\n00:00:01,000 --> 00:00:02,000\nAnn: Hi\n\nthere\n\n2\n00:00:02,000 --> 00:00:03,000\nBen: Yo\n"
    assert parsed(text) == [("Ann", 1.0, 2.0, "Hi there"), ("Ben", 2.0, 3.0, "Yo")]


def test_markup_stripped_when_srt_has_font_and_position_tags() -> None:
    text = '1\n00:00:01,000 --> 00:00:02,000 X1:10 X2:20 Y1:5 Y2:9\n{\\an8}<font color="red">Ann:</font> <i>Hi</i>\n'
    assert parsed(text) == [("Ann", 1.0, 2.0, "Hi")]


def test_bom_and_crlf_handled_when_srt_has_them() -> None:
    text = "\ufeff1\r\n00:00:01,000 --> 00:00:02,000\r\nAnn: Hi\r\n\r\n"
    assert parsed(text) == [("Ann", 1.0, 2.0, "Hi")]
