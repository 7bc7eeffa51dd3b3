"""Every real export in tests/fixtures/transcripts ingests over REST and yields a report,
except the undiarized captions, which are refused with no_speakers."""

from __future__ import annotations

import pytest

from tests.support.api import Api
from tests.support.transcripts import DATA

pytestmark = pytest.mark.shared_platform  # its tests only call the API

FILES = [
    ("buzzsprout-trailer.vtt", "webvtt", ["Sarah", "Gillian"]),
    ("buzzsprout-qa.vtt", "webvtt", ["Travis", "Sarah", "Gilon"]),
    ("buzzsprout-qa.srt", "srt", ["Travis", "Sarah", "Gilon"]),
    ("dosparlants.vtt", "webvtt", ["SPEAKER_01", "SPEAKER_00"]),
    ("dosparlants.srt", "srt", ["SPEAKER_01", "SPEAKER_00"]),
    ("dosparlants.whisper.json", "whisperx", ["SPEAKER_01", "SPEAKER_00"]),
    ("spacewalk.assemblyai.json", "assemblyai", ["A"]),
    ("spacewalk.deepgram.json", "deepgram", ["0", "1", "2"]),
    ("ami-es2011a.segments.json", "segments", ["FEE041", "FEE044", "FEE043", "FEE042"]),
]


@pytest.mark.parametrize(("name", "format_", "speakers"), FILES, ids=[f[0] for f in FILES])
@pytest.mark.parametrize("declared", [True, False], ids=["declared", "detected"])
def test_a_real_export_ingests_with_its_speakers_and_a_report_job_succeeds(api: Api, name, format_, speakers, declared):
    transcript = {"content": (DATA / name).read_text(encoding="utf-8")}
    if declared:
        transcript["format"] = format_
    response = api.http.post("/v1/media", json={"title": name, "transcript": transcript})
    assert response.status_code == 201, response.text
    media = response.json()
    assert media["transcriptFormat"] == format_
    assert sorted(e["id"] for e in media["entities"]) == sorted(speakers)
    assert all(e["speakingSec"] > 0 and e["words"] > 0 for e in media["entities"])
    if not declared:
        return
    job = api.wait(api.job(media["mediaId"], template="general_report"))
    assert job["status"] == "succeeded", job
    assert job["resolution"]["entityId"] in speakers


def test_captions_without_speaker_labels_are_refused_with_no_speakers(api: Api):
    content = (DATA / "oakland-council-captions.vtt").read_text(encoding="utf-8")
    response = api.http.post("/v1/media", json={"transcript": {"content": content}})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "no_speakers"


@pytest.mark.parametrize(
    ("content", "code"),
    [
        ("just some words, not a transcript", "unknown_format"),
        ('{"hello": "world"}', "unknown_format"),
        ("WEBVTT\n\n00:00:05.000 --> 00:00:03.000\n<v Ana>backwards\n", "invalid_transcript"),
    ],
)
def test_something_that_is_not_a_transcript_is_refused_with_a_clear_400(api: Api, content, code):
    response = api.http.post("/v1/media", json={"transcript": {"content": content}})
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert error["details"] and error["details"][0]["path"].startswith("/transcript")
