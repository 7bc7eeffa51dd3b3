"""`reports_sdk.webhooks.verify` against signatures computed here with hmac; transcript file formats;
the CLI's progress line and target flags."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import time
from pathlib import Path

import pytest

from reports_sdk import WebhookVerificationError, webhooks
from reports_sdk._calls import read_transcript_file, sniff_format
from reports_sdk.cli import Progress, _target, build_parser
from reports_sdk.models import JobEvent

KEY = b"0123456789abcdef0123456789abcdef"
SECRET = "whsec_" + base64.b64encode(KEY).decode()
BODY = json.dumps({"type": "job.succeeded", "data": {"jobId": "job_1", "reportId": "rep_1"}}).encode()
DATA = Path(__file__).resolve().parents[2] / "fixtures" / "transcripts"


def signed(body: bytes = BODY, msg_id: str = "evt_1", timestamp: int | None = None, key: bytes = KEY) -> dict:
    ts = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(key, f"{msg_id}.{ts}.".encode() + body, hashlib.sha256).digest()
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(ts),
        "webhook-signature": "v1," + base64.b64encode(digest).decode(),
    }


def test_verify_accepts_a_delivery_signed_with_the_secret_and_returns_its_payload():
    assert webhooks.verify(signed(), BODY, SECRET) == json.loads(BODY)
    assert webhooks.verify(signed(), BODY.decode(), SECRET)["data"]["reportId"] == "rep_1"
    headers = {k.title(): v for k, v in signed().items()}  # header names in any case
    assert webhooks.verify(headers, BODY, SECRET)["type"] == "job.succeeded"
    assert webhooks.verify(signed(), BODY, KEY)  # the raw key works too


def test_verify_accepts_one_matching_signature_among_several_during_a_rotation():
    headers = signed()
    other = signed(key=b"another key of thirty-two bytes!")["webhook-signature"]
    headers["webhook-signature"] = f"v1a,ignored {other} {headers['webhook-signature']}"
    assert webhooks.verify(headers, BODY, SECRET)


# Built when the test runs, not at collection: the suite can take longer than the tolerance.
@pytest.mark.parametrize(
    ("make_headers", "body", "why"),
    [
        (lambda: signed(), BODY + b" ", "no signature matches"),
        (lambda: signed(key=b"the wrong key, thirty-two bytes!"), BODY, "no signature matches"),
        (lambda: signed(msg_id="evt_2") | {"webhook-id": "evt_1"}, BODY, "no signature matches"),
        (lambda: signed(timestamp=int(time.time()) - 3600), BODY, "too old"),
        (lambda: signed(timestamp=int(time.time()) + 3600), BODY, "future"),
        (lambda: {**signed(), "webhook-timestamp": "yesterday"}, BODY, "Unix time"),
        (
            lambda: {k: v for k, v in signed().items() if k != "webhook-signature"},
            BODY,
            "missing header webhook-signature",
        ),
    ],
    ids=["body", "key", "id", "old", "future", "timestamp", "no-signature"],
)
def test_verify_refuses_anything_else(make_headers, body: bytes, why: str):
    with pytest.raises(WebhookVerificationError, match=why):
        webhooks.verify(make_headers(), body, SECRET)


def test_verify_tolerance_is_configurable_and_sign_matches_hmac():
    old = signed(timestamp=int(time.time()) - 1000)
    with pytest.raises(WebhookVerificationError):
        webhooks.verify(old, BODY, SECRET)
    assert webhooks.verify(old, BODY, SECRET, tolerance=2000)
    assert webhooks.sign(SECRET, "evt_1", 1700000000, BODY) == signed(timestamp=1700000000)["webhook-signature"]
    with pytest.raises(WebhookVerificationError, match="base64"):
        webhooks.verify(signed(), BODY, "whsec_not base64!")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("buzzsprout-qa.vtt", "webvtt"),
        ("dosparlants.srt", "srt"),
        ("buzzsprout-qa.srt", "srt"),
        ("spacewalk.deepgram.json", None),
        ("dosparlants.whisper.json", None),
        ("ami-es2011a.segments.json", None),
    ],
)
def test_a_files_format_comes_from_its_extension_and_json_is_left_to_the_server(name: str, expected: str | None):
    text, fmt = read_transcript_file(DATA / name)
    assert fmt == expected and text


def test_content_sniffing_without_an_extension():
    assert sniff_format("\ufeff\n\nWEBVTT\n\n00:00.000 --> 00:01.000\n<v Ana>hi") == "webvtt"
    assert sniff_format("1\r\n00:00:01,000 --> 00:00:02,000\r\nAna: hi\r\n") == "srt"
    assert sniff_format("00:00:01,000 --> 00:00:02,000\nAna: hi\n") == "srt"
    assert sniff_format('[{"speaker": "a", "start": 0, "end": 1, "text": "hi"}]') is None
    assert sniff_format("just words") is None


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def _event(status: str, stage: str) -> JobEvent:
    return JobEvent.from_json(
        {
            "jobId": "job_1",
            "status": status,
            "stage": stage,
            "reportId": None,
            "error": None,
            "at": "2026-01-01T00:00:00Z",
        }
    )


def test_progress_redraws_one_line_on_a_terminal_and_prints_lines_otherwise():
    tty = FakeTTY()
    progress = Progress("job_1", tty)
    progress.update(_event("running", "rendering"))
    progress.update(_event("succeeded", "storing"))
    progress.close()
    out = tty.getvalue()
    assert out.count("\r") >= 2 and "\x1b[K" in out and out.endswith("\n") and out.count("\n") == 1
    assert "job_1  succeeded  storing" in out

    plain = io.StringIO()
    progress = Progress("job_1", plain)
    progress.update(_event("queued", "queued"))
    progress.update(_event("running", "resolving"))
    progress.close()
    lines = plain.getvalue().splitlines()
    assert len(lines) == 2 and "\r" not in plain.getvalue()
    assert lines[1].split()[:3] == ["job_1", "running", "resolving"] and lines[1].endswith("s")


@pytest.mark.parametrize(
    ("flags", "target"),
    [
        ([], {"strategy": "dominant", "on_miss": "error"}),
        (["--entity", "ana"], {"strategy": "entity_id", "on_miss": "error", "entity_id": "ana"}),
        (
            ["--hint", "the CFO", "--on-miss", "fallback_dominant"],
            {"strategy": "magic_hint", "on_miss": "fallback_dominant", "hint": "the CFO"},
        ),
        (
            ["--from", "10", "--to", "20.5"],
            {"strategy": "timerange", "on_miss": "error", "timerange": {"start_seconds": 10.0, "end_seconds": 20.5}},
        ),
        (["--strategy", "entity_id"], {"strategy": "entity_id", "on_miss": "error"}),
    ],
)
def test_cli_target_flags_pick_the_strategy(flags: list[str], target: dict):
    parser = build_parser()
    args = parser.parse_args(["create", "med_1", "--template", "sales_playbook", *flags])
    assert _target(args, parser).to_json() == target
