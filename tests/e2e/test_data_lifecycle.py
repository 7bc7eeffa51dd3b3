"""The data lifecycle against the whole platform: deleting while a real renderer is writing, and a
backup taken while it runs restored into a fresh directory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from stack.platform import Platform
from tests.support import plain_http
from tests.support.api import Api
from tests.support.metrics import scrape
from tests.support.polling import eventually
from tests.support.tenants import AUTH_A


def test_a_job_deleted_mid_render_never_writes_its_report(start_platform: Callable[..., Platform]):
    platform = start_platform(REPORTS_LLM_MODEL="dev-llm+latency=2500")
    api = Api(platform.gateway_url, AUTH_A)
    media_id = api.media()["mediaId"]
    job_id = api.job(media_id)
    api.events(job_id, stop_after=lambda event: event["stage"] == "rendering")  # the LLM call has begun

    assert api.http.delete(f"/v1/jobs/{job_id}").status_code == 204

    renderer_metrics = platform.addresses["renderer-metrics"]
    # the renderer's LLM call ends, then it finds the job gone
    eventually(
        lambda: scrape(renderer_metrics, "renderer_jobs_total", outcome="deleted") >= 1,
        timeout_s=60,
        what="deleted job dropped by the renderer",
    )
    assert api.http.get(f"/v1/jobs/{job_id}").status_code == 404
    assert api.http.get("/v1/reports").json()["items"] == []
    assert scrape(renderer_metrics, "renderer_jobs_total", outcome="succeeded") == 0
    # the media stays, and takes new jobs
    assert api.wait(api.job(media_id))["status"] == "succeeded"


def test_a_backup_of_the_running_platform_restored_serves_its_data_and_runs_the_queued_jobs(
    start_platform: Callable[..., Platform], tmp_path: Path
):
    first = start_platform(renderers=0)  # nothing renders: jobs stay queued
    api = Api(first.gateway_url, AUTH_A)
    media_id = api.media()["mediaId"]
    queued = [api.job(media_id) for _ in range(3)]
    report_reads = {path: api.http.get(path).json() for path in ("/v1/media", f"/v1/media/{media_id}")}

    backup_dir = tmp_path / "backup"
    result = subprocess.run(
        [sys.executable, "-m", "stack.admin", "backup", str(backup_dir)],
        capture_output=True,
        text=True,
        env={**os.environ, "REPORTS_VAR_DIR": str(first.config.var_dir), "REPORTS_NATS_URL": first.nats_address},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "backup in" in result.stdout and json.loads((backup_dir / "manifest.json").read_text())["events"] >= 3
    first.stop()

    restore = subprocess.run(  # into the directory the next platform of this test uses
        [
            sys.executable,
            "-m",
            "services.store.admin",
            "restore",
            str(backup_dir),
            "--var-dir",
            str(tmp_path / "platform-1"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert restore.returncode == 0, restore.stderr
    second = start_platform()
    api = Api(second.gateway_url, AUTH_A)
    for path, body in report_reads.items():
        assert api.http.get(path).json() == body, path
    for job_id in queued:  # queued at the backup, rendered after the restore
        assert api.wait(job_id)["status"] == "succeeded"
    replay = [e["status"] for _id, e in api.events(queued[0], last_event_id="0")]
    assert replay[0] == "queued" and replay[-1] == "succeeded"  # its history from before the backup, replayed


def test_an_open_event_stream_ends_when_its_job_is_deleted(start_platform: Callable[..., Platform]):
    platform = start_platform(renderers=0, REPORTS_SSE_PING_S="0.2")  # the job stays queued
    api = Api(platform.gateway_url, AUTH_A)
    job_id = api.job(api.media()["mediaId"])
    url = f"{platform.gateway_url}/v1/jobs/{job_id}/events"
    with plain_http.stream("GET", url, headers=AUTH_A, timeout=30) as stream:
        lines = stream.iter_lines()
        assert next(lines).startswith("id: ")  # the current state: queued
        assert api.http.delete(f"/v1/jobs/{job_id}").status_code == 204
        rest = list(lines)  # the stream ends when the store announces the purge, instead of pinging forever
    data = [json.loads(line[6:]) for line in rest if line.startswith("data: ")]
    assert [event["status"] for event in data] == ["queued"]  # the first event's data, and nothing after
    assert plain_http.get(url, headers=AUTH_A).status_code == 404
