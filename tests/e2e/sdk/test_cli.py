"""The installed `reports` command (the SDK's console script) against the whole platform."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from stack.platform import Platform
from tests.support.tenants import KEY_A
from tests.support.transcripts import DATA

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"

pytestmark = pytest.mark.shared_platform  # its tests only call the API

REPORTS = Path(sys.executable).parent / "reports"


def run(
    platform: Platform | None, *args: str, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    assert REPORTS.exists(), f"{REPORTS} is missing: `make install` installs ./sdk/python"
    environ = {k: v for k, v in os.environ.items() if not k.startswith("REPORTS_")}
    if platform is not None:
        environ.update(REPORTS_BASE_URL=platform.gateway_url, REPORTS_API_KEY=KEY_A)
    environ.update(env or {})
    result = subprocess.run([str(REPORTS), *args], capture_output=True, text=True, env=environ, timeout=timeout)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def _add_media(platform: Platform) -> str:
    result = run(
        platform,
        "media",
        "add",
        str(DATA / "buzzsprout-qa.vtt"),
        "--speaker",
        "Travis=Travis Albritton",
        "--speaker",
        "Sarah=Sarah Pierce",
        "--title",
        "Buzzsprout Q&A",
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()[0]


def test_the_entry_point_is_installed_on_the_venvs_path():
    assert REPORTS.exists() and os.access(REPORTS, os.X_OK)
    assert shutil.which("reports", path=str(REPORTS.parent)) == str(REPORTS)
    result = run(None, "--help")
    assert result.returncode == 0 and "media" in result.stdout and "watch" in result.stdout


def test_media_add_registers_a_real_transcript_file(platform: Platform):
    result = run(
        platform,
        "media",
        "add",
        str(DATA / "buzzsprout-qa.srt"),
        "--speaker",
        "Travis=Travis Albritton",
        "--title",
        "Q&A (SRT)",
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("med_")
    assert "title: Q&A (SRT)" in result.stdout and "format: srt" in result.stdout
    assert "speaker Travis (Travis Albritton)" in result.stdout
    as_json = run(platform, "media", "show", lines[0], "--json")
    assert json.loads(as_json.stdout)["mediaId"] == lines[0]
    listed = run(platform, "media", "list", "--limit", "1")
    assert listed.returncode == 0 and listed.stdout.startswith(lines[0])


def test_create_wait_shows_progress_then_show_jobs_and_watch(platform: Platform):
    media_id = _add_media(platform)
    created = run(
        platform,
        "create",
        media_id,
        "--template",
        "sales_playbook",
        "--entity",
        "Travis",
        "--label",
        "cli-test",
        "--wait",
    )
    assert created.returncode == 0, created.stderr
    # stdout has the report id alone, so `REPORT=$(reports create ... --wait)` works
    [report_id] = created.stdout.split()
    job_id = created.stderr.split()[1]
    assert created.stderr.startswith(f"job {job_id} created\n")
    assert job_id.startswith("job_") and report_id.startswith("rep_")
    # not a terminal: one plain progress line per status event, with status, stage and elapsed seconds
    progress = [line for line in created.stderr.splitlines() if line.startswith(job_id)]
    assert progress and "\r" not in created.stderr
    assert any("running" in line for line in progress) or "succeeded" in progress[0]
    assert "succeeded" in progress[-1] and progress[-1].rstrip().endswith("s")
    assert f"reports show {report_id}" in created.stderr

    markdown = run(platform, "show", report_id)
    assert markdown.returncode == 0 and markdown.stdout.startswith("# ")
    document = json.loads(run(platform, "show", report_id, "--format", "json").stdout)
    assert document["id"] == report_id and document["jobId"] == job_id and document["label"] == "cli-test"
    assert document["entity"]["id"] == "Travis"

    table = run(platform, "jobs", "--status", "succeeded", "--limit", "1")
    rows = table.stdout.splitlines()
    assert table.returncode == 0 and rows[0].split()[:3] == ["JOB", "STATUS", "STAGE"]
    assert len(rows) == 2 and rows[1].split()[:2] == [job_id, "succeeded"] and report_id in rows[1]
    as_json = [json.loads(line) for line in run(platform, "jobs", "--json").stdout.splitlines()]
    assert job_id in [j["jobId"] for j in as_json]
    assert json.loads(run(platform, "job", job_id).stdout)["reportId"] == report_id

    watched = run(platform, "watch", job_id)
    assert watched.returncode == 0 and watched.stdout.split() == [report_id]
    assert "succeeded" in watched.stderr


def test_create_without_wait_prints_the_job_id_and_flags_pick_the_strategy(platform: Platform):
    media_id = _add_media(platform)
    result = run(
        platform,
        "create",
        media_id,
        "--template",
        "general_report",
        "--from",
        "0",
        "--to",
        "60",
        "--param",
        "focus=pricing",
    )
    assert result.returncode == 0, result.stderr
    job_id = result.stdout.strip()
    job = json.loads(run(platform, "job", job_id).stdout)
    assert job["target"]["strategy"] == "timerange" and job["target"]["timerange"]["end_seconds"] == 60
    assert run(platform, "watch", job_id).returncode == 0


def test_a_server_400_prints_its_message_and_field_path_and_exits_2(platform: Platform):
    media_id = _add_media(platform)
    result = run(platform, "create", media_id, "--template", "sales_playbook", "--strategy", "entity_id")
    assert result.returncode == 2
    assert "invalid_request" in result.stderr
    assert "strategy 'entity_id' needs entity_id" in result.stderr
    assert "/target/entity_id" in result.stderr
    # the message names the first problem; its detail is not printed a second time
    assert result.stderr.count("strategy 'entity_id' needs entity_id") == 1
    assert result.stdout == ""
    missing = run(platform, "show", "rep_nope")
    assert missing.returncode == 2 and "report_not_found" in missing.stderr
    bad_file = run(platform, "media", "add", str(DATA / "oakland-council-captions.vtt"))
    assert bad_file.returncode == 2 and "error 400" in bad_file.stderr


def test_usage_errors_exit_2_without_calling_the_api(platform: Platform, tmp_path: Path):
    no_template = run(platform, "create", "med_x")
    assert no_template.returncode == 2 and "usage:" in no_template.stderr and "--template" in no_template.stderr
    bad_speaker = run(platform, "media", "add", str(DATA / "dosparlants.vtt"), "--speaker", "nobody")
    assert bad_speaker.returncode == 2 and 'ID="Name"' in bad_speaker.stderr
    two_strategies = run(platform, "create", "med_x", "--template", "sales_playbook", "--entity", "a", "--hint", "b")
    assert two_strategies.returncode == 2
    no_file = run(platform, "media", "add", str(tmp_path / "missing.vtt"))
    assert no_file.returncode == 2 and "missing.vtt" in no_file.stderr
    no_key = run(None, "--base-url", platform.gateway_url, "jobs")
    assert no_key.returncode == 2 and "REPORTS_API_KEY" in no_key.stderr
    wrong_key = run(None, "--base-url", platform.gateway_url, "--api-key", "wrong", "jobs")
    assert wrong_key.returncode == 2 and "unauthorized" in wrong_key.stderr


def test_an_unreachable_api_exits_3_with_a_message(platform: Platform):
    result = run(None, "--base-url", "http://127.0.0.1:9", "--api-key", KEY_A, "jobs")
    assert result.returncode == 3 and "connection" in result.stderr.lower()


def test_a_failed_job_exits_1_with_its_error_code(failing_platform: Platform):
    media_id = _add_media(failing_platform)
    created = run(failing_platform, "create", media_id, "--template", "sales_playbook", "--wait")
    assert created.returncode == 1, created.stderr
    assert created.stdout == ""  # no report id
    job_id = created.stderr.split()[1]
    assert f"job {job_id} failed: llm_unavailable" in created.stderr
    watched = run(failing_platform, "watch", job_id)
    assert watched.returncode == 1 and "llm_unavailable" in watched.stderr and watched.stdout == ""


@pytest.mark.parametrize("command", [["media"], ["jobs", "--limit", "0"], ["show"], ["bogus"]])
def test_each_malformed_command_is_a_usage_error(platform: Platform, command: list[str]):
    assert run(platform, *command).returncode == 2


def test_media_add_quiet_prints_the_id_alone_and_resolve_reads_like_media_show(platform: Platform):
    added = run(platform, "media", "add", str(EXAMPLES / "pricing-call.vtt"), "--speaker", "Ana=Ana Ruiz", "-q")
    assert added.returncode == 0, added.stderr
    [media_id] = added.stdout.split()
    shown = run(platform, "media", "show", media_id)
    assert "2 speakers" in shown.stdout and "speaker Ana (Ana Ruiz): 72% of talk, 8 turns" in shown.stdout
    resolved = run(platform, "media", "resolve", media_id, "--hint", "the CFO")
    assert resolved.returncode == 0, resolved.stderr
    lines = resolved.stdout.splitlines()
    assert lines[0] == "Ana (Ana Ruiz): picked by magic_hint, 90% confidence"
    assert lines[1].startswith("  why: matched hint 'the CFO'")
    assert lines[2] == "  evidence: 8 passages, 136 s of their speech (--json lists them)"
    assert (
        json.loads(run(platform, "media", "resolve", media_id, "--hint", "the CFO", "--json").stdout)["entity"]["id"]
        == "Ana"
    )


def test_a_reader_that_stops_early_is_no_error(platform: Platform):
    """`reports jobs | head -1`: the reader is gone before the command writes (here, from the start)."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("REPORTS_")}
    environ.update(REPORTS_BASE_URL=platform.gateway_url, REPORTS_API_KEY=KEY_A)
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = subprocess.run(
            [str(REPORTS), "media", "list"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            env=environ,
            timeout=60,
        )
    finally:
        os.close(write_end)
    assert result.returncode == 0
    assert result.stderr == ""
