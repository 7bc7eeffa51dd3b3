"""WebVTT quirks, one small inline transcript each."""

from __future__ import annotations

import pytest

from services.store.transcripts import Segment, parse_transcript
from services.store.transcripts.cuetext import plausible_name


def vtt(*cues: str, header: str = "WEBVTT") -> str:
    return header + "\n\n" + "\n\n".join(cues) + "\n"


def parsed(text: str) -> list[tuple[str, float, float, str]]:
    return [(s.speaker, s.start, s.end, s.text) for s in parse_transcript("webvtt", text).segments]


def test_voice_tag_names_speaker_when_closed() -> None:
    assert parsed(vtt("00:00:01.000 --> 00:00:02.000\n<v Jane Doe>Hello there.</v>")) == [
        ("Jane Doe", 1.0, 2.0, "Hello there.")
    ]


def test_voice_tag_names_speaker_when_not_closed() -> None:
    assert parsed(vtt("00:00:01.000 --> 00:00:02.000\n<v Bob>Hi")) == [("Bob", 1.0, 2.0, "Hi")]


def test_voice_tag_names_speaker_when_it_has_classes() -> None:
    text = vtt("00:00:01.000 --> 00:00:02.000\n<v.loud.first Esme>Run!</v>")
    assert parsed(text) == [("Esme", 1.0, 2.0, "Run!")]


def test_cue_split_by_words_when_it_holds_two_voices() -> None:
    text = vtt("00:00:00.000 --> 00:00:04.000\n<v Ann>one two three</v> <v Ben>four</v>")
    # 4 s over 4 words: Ann gets 3 words (0.0–3.0), Ben 1 word (3.0–4.0)
    assert parsed(text) == [("Ann", 0.0, 3.0, "one two three"), ("Ben", 3.0, 4.0, "four")]


def test_name_prefix_names_speaker_when_cue_starts_with_it() -> None:
    text = vtt("00:00:01.000 --> 00:00:02.000\nMary Ann: Shall we start?")
    assert parsed(text) == [("Mary Ann", 1.0, 2.0, "Shall we start?")]


def test_bracketed_id_names_speaker_without_brackets_when_prefixed() -> None:
    text = vtt("00:01.000 --> 00:02.000\n[SPEAKER_00]: Bon dia.")
    assert parsed(text) == [("SPEAKER_00", 1.0, 2.0, "Bon dia.")]


def test_bare_id_names_speaker_when_prefixed() -> None:
    text = vtt("00:01.000 --> 00:02.000\nSPEAKER_03: Bon dia.")
    assert parsed(text) == [("SPEAKER_03", 1.0, 2.0, "Bon dia.")]


def test_cue_continues_previous_speaker_when_it_names_none() -> None:
    text = vtt(
        "00:00:01.000 --> 00:00:02.000\n<v Ann>First",
        "00:00:02.000 --> 00:00:03.000\nstill Ann",
        "00:00:03.000 --> 00:00:04.000\nBen: Now me",
        "00:00:04.000 --> 00:00:05.000\nand me again",
    )
    assert [s[0] for s in parsed(text)] == ["Ann", "Ann", "Ben", "Ben"]


def test_cues_labelled_unknown_when_before_any_speaker() -> None:
    text = vtt(
        "00:00:00.000 --> 00:00:01.000\n[music] welcome",
        "00:00:01.000 --> 00:00:02.000\nAnn: Hello",
    )
    assert [s[0] for s in parsed(text)] == ["unknown", "Ann"]


def test_identifiers_settings_and_blocks_skipped_when_present() -> None:
    text = (
        "WEBVTT - a title\nKind: captions\n\n"
        "STYLE\n::cue { color: yellow }\n\n"
        "REGION\nid:fred\nwidth:40%\n\n"
        "NOTE this is a comment\nspanning lines\n\n"
        "intro-1\n00:00:01.000 --> 00:00:02.000 align:start position:10% line:0\n<v Ann>Hi\n\n"
        "NOTE\nanother\n\n"
        "2\n00:00:02.000 --> 00:00:03.500 region:fred\nthere\n"
    )
    assert parsed(text) == [("Ann", 1.0, 2.0, "Hi"), ("Ann", 2.0, 3.5, "there")]


def test_inline_tags_stripped_when_cue_has_markup() -> None:
    text = vtt(
        "00:00:01.000 --> 00:00:03.000\n"
        "<v Ann><i>Very</i> <b>bold</b> <c.yellow.bg_blue>colour</c> "
        "<00:00:02.000><u>karaoke</u> <lang en>done</lang> <ruby>x<rt>y</rt></ruby></v>"
    )
    assert parsed(text) == [("Ann", 1.0, 3.0, "Very bold colour karaoke done xy")]


def test_entities_decoded_when_cue_has_them() -> None:
    text = vtt("00:00:01.000 --> 00:00:02.000\n<v Ann &amp; Co>Fish &amp; chips &lt;3&nbsp;&gt; 5")
    assert parsed(text) == [("Ann & Co", 1.0, 2.0, "Fish & chips <3 > 5")]


def test_bom_and_crlf_handled_when_present() -> None:
    text = "\ufeffWEBVTT\r\n\r\n00:00:01.000 --> 00:00:02.000\r\n<v Ann>Hi\r\nthere\r\n"
    assert parsed(text) == [("Ann", 1.0, 2.0, "Hi there")]


def test_lines_joined_when_cue_spans_several() -> None:
    text = vtt("00:00:01.000 --> 00:00:02.000\n<v Ann>one\n  two  \nthree")
    assert parsed(text) == [("Ann", 1.0, 2.0, "one two three")]


def test_timestamps_read_when_hours_missing_or_large() -> None:
    text = vtt("01:02.500 --> 01:03.250\n<v Ann>a", "100:00:00.000 --> 100:00:01.000\nb")
    assert parsed(text) == [("Ann", 62.5, 63.25, "a"), ("Ann", 360000.0, 360001.0, "b")]


def test_cue_dropped_when_empty_after_tags_stripped() -> None:
    text = vtt(
        "00:00:00.000 --> 00:00:00.000\n",
        "00:00:01.000 --> 00:00:02.000\n<v Ann><i> </i>",
        "00:00:02.000 --> 00:00:03.000\n<v Ann>kept",
    )
    assert parsed(text) == [("Ann", 2.0, 3.0, "kept")]


def test_chevrons_stripped_and_not_a_label_when_speaker_changes_unnamed() -> None:
    text = vtt(
        "00:00:01.000 --> 00:00:02.000\n<v Ann>Roll call.",
        "00:00:02.000 --> 00:00:03.000\n>> present.\n>> here.",
    )
    assert parsed(text) == [("Ann", 1.0, 2.0, "Roll call."), ("Ann", 2.0, 3.0, "present. here.")]


def test_chevron_line_names_speaker_when_followed_by_a_name() -> None:
    text = vtt("00:00:00.000 --> 00:00:02.000\n>> Clerk: Roll call.\n>> MAYOR BAS: Here, present.")
    # 2 s over 2 + 2 words: 1 s each
    assert parsed(text) == [("Clerk", 0.0, 1.0, "Roll call."), ("MAYOR BAS", 1.0, 2.0, "Here, present.")]


def test_dash_dialogue_lines_split_speakers_when_named() -> None:
    text = vtt("00:00:00.000 --> 00:00:03.000\n- Ann: Coming?\n- Ben: Yes, now.")
    # 3 s over 1 + 2 words: Ann 0.0–1.0, Ben 1.0–3.0
    assert parsed(text) == [("Ann", 0.0, 1.0, "Coming?"), ("Ben", 1.0, 3.0, "Yes, now.")]


def test_prefix_ignored_when_it_is_not_at_cue_start() -> None:
    text = vtt("00:00:01.000 --> 00:00:02.000\n<v Ann>the plan\nRisk: nobody reads it")
    assert parsed(text) == [("Ann", 1.0, 2.0, "the plan Risk: nobody reads it")]


@pytest.mark.parametrize(
    "line",
    [
        "Note: the thing is simple",
        "WARNING: hot",
        "So here's the deal: we ship",
        "Then Bob said: fine",
        "and it's now 10:03, we'll start",
        "Ladies and Gentlemen of the Jury: hello",
        "Why, Bob: really",
        "the answer: yes",
    ],
)
def test_prefix_not_a_label_when_text_is_sentence_like(line: str) -> None:
    text = vtt("00:00:00.500 --> 00:00:01.000\n<v Ann>Hi", f"00:00:01.000 --> 00:00:02.000\n{line}")
    assert parsed(text)[1] == ("Ann", 1.0, 2.0, line)


@pytest.mark.parametrize(
    "name",
    [
        "Travis",
        "Jane Doe",
        "Dr. Jane Doe-Smith",
        "Ludwig van Beethoven",
        "O'Neil",
        "SPEAKER_00",
        "spk_0",
        "speaker 2",
        "Q",
        "S1",
        "MAYOR BAS",
        "王明",
    ],
)
def test_name_plausible_when_short_and_name_like(name: str) -> None:
    assert plausible_name(name)


@pytest.mark.parametrize(
    "name",
    ["Note", "so", "the answer", "van Beethoven", "Why, Bob", "One Two Three Four Five", "A" * 41, "10", "what?"],
)
def test_name_implausible_when_sentence_like_long_or_a_stopword(name: str) -> None:
    assert not plausible_name(name)


def test_segments_sorted_when_cues_out_of_order() -> None:
    text = vtt(
        "00:00:05.000 --> 00:00:06.000\n<v Ann>later",
        "00:00:01.000 --> 00:00:09.000\n<v Ben>long overlap",
        "00:00:01.000 --> 00:00:02.000\n<v Cy>short",
    )
    assert parse_transcript("webvtt", text).segments == (
        Segment("Cy", 1.0, 2.0, "short"),
        Segment("Ben", 1.0, 9.0, "long overlap"),
        Segment("Ann", 5.0, 6.0, "later"),
    )
