"""Backup while jobs are being created, restore into a fresh directory and a fresh NATS: the same
reports are served, the events replay, and every job that had not ended is queued again."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import grpc
import nats
import pytest

from reports.v1 import job_pb2, store_pb2, store_pb2_grpc
from services.common import grpc_server, streams
from services.domain import job_states
from services.store import admin, backup
from services.store import app as store_app
from stack.nats_server import NatsServer
from tests.integration.helpers import complete_job, stored_events
from tests.integration.store.test_outbox import _created, _job_request, _media
from tests.support.polling import until
from tests.support.stores import store_settings


@pytest.fixture
def database_url(tmp_path: Path) -> str:  # the embedded default: SQLite
    (tmp_path / "var").mkdir()
    return f"sqlite:///{tmp_path / 'var' / 'reports.db'}"


@contextlib.asynccontextmanager
async def _restored(tmp_path: Path) -> AsyncIterator[tuple[Any, Any, NatsServer]]:
    """`reports-admin restore` of tmp_path/backup, then a store on it with a fresh NATS."""
    admin.main(["restore", str(tmp_path / "backup"), "--var-dir", str(tmp_path / "restored")])
    fresh_nats = NatsServer(tmp_path / "nats-restored", tmp_path / "nats-restored.log").start()
    restored = await store_app.start(
        store_settings(f"sqlite:///{tmp_path / 'restored' / 'reports.db'}", fresh_nats.url)
    )
    channel = grpc_server.channel(f"127.0.0.1:{restored.port}")
    try:
        yield store_pb2_grpc.StoreStub(channel), restored, fresh_nats
    finally:
        await channel.close()
        await restored.stop()
        fresh_nats.stop()


async def test_a_backup_taken_under_load_restores_reports_events_and_queued_jobs(
    store, store_stub, nats_server, tmp_path
):
    media_id = await _media(store_stub)
    done = await _created(store_stub, _job_request(media_id))
    report_id = await complete_job(store_stub, "t", done.id)
    report = await store_stub.GetReport(store_pb2.GetReportRequest(tenant="t", report_id=report_id))
    queued = [(await store_stub.CreateJob(_job_request(media_id))).job_id for _ in range(3)]
    await until(lambda: _has(nats_server.url, done.id, 3))  # queued, running, succeeded

    loading = True
    created_meanwhile: list[str] = []

    async def load() -> None:
        while loading:
            created_meanwhile.append((await store_stub.CreateJob(_job_request(media_id))).job_id)

    task = asyncio.create_task(load())
    nc = await streams.connect(nats_server.url, "test-backup")
    try:
        taken = await backup.backup(tmp_path / "var" / "reports.db", nc, tmp_path / "backup")
    finally:
        await nc.close()
        loading = False
        await task
    assert taken.events >= 3 + len(queued) and taken.revision is not None
    assert created_meanwhile, "the backup ran while jobs were being created"

    async with _restored(tmp_path) as (stub, restored, fresh_nats):
        assert await stub.GetReport(store_pb2.GetReportRequest(tenant="t", report_id=report_id)) == report
        jobs = (await stub.ListJobs(store_pb2.ListJobsRequest(tenant="t", limit=100))).items
        open_jobs = {j.id for j in jobs if job_states.status_name(j.status) not in job_states.TERMINAL}
        assert set(queued) <= open_jobs
        await restored.relay.connected.wait()
        await until(lambda: _has(fresh_nats.url, done.id, 3))  # SSE replays the finished job's events
        assert await _render_commands(fresh_nats.url, len(open_jobs)) == open_jobs


async def test_a_backup_after_a_deletion_purged_the_newest_events_completes_and_restores(
    store, store_stub, nats_server, tmp_path
):
    media_id = await _media(store_stub)
    kept = await _created(store_stub, _job_request(media_id))
    report_id = await complete_job(store_stub, "t", kept.id)
    await until(lambda: _has(nats_server.url, kept.id, 3))
    gone = await _created(store_stub, _job_request(media_id))
    await until(lambda: _has(nats_server.url, gone.id, 1))  # the stream's newest event
    await store_stub.DeleteJob(store_pb2.DeleteRequest(tenant="t", id=gone.id))
    await until(lambda: _purged(nats_server.url, gone.id))

    nc = await streams.connect(nats_server.url, "test-backup")
    try:
        taken = await backup.backup(tmp_path / "var" / "reports.db", nc, tmp_path / "backup")
    finally:
        await nc.close()
    assert taken.events == 3
    assert _backed_up_subjects(tmp_path / "backup") == [streams.event_subject(kept.id)] * 3

    async with _restored(tmp_path) as (stub, restored, fresh_nats):
        assert (await stub.GetReport(store_pb2.GetReportRequest(tenant="t", report_id=report_id))).id == report_id
        with pytest.raises(grpc.aio.AioRpcError) as missing:
            await stub.GetJob(store_pb2.GetJobRequest(tenant="t", job_id=gone.id))
        assert missing.value.code() == grpc.StatusCode.NOT_FOUND
        await restored.relay.connected.wait()
        await until(lambda: _has(fresh_nats.url, kept.id, 3))


async def test_events_stored_after_the_database_snapshot_are_left_out_of_the_backup(
    store, store_stub, nats_server, tmp_path, monkeypatch
):
    media_id = await _media(store_stub)
    job = await _created(store_stub, _job_request(media_id))
    await until(lambda: _has(nats_server.url, job.id, 1))  # queued, before the snapshot
    export = backup.export_events

    async def finish_the_job_then_export(*args: Any, **kwargs: Any) -> int:
        await complete_job(store_stub, "t", job.id)  # running and succeeded: newer than the snapshot
        await until(lambda: _has(nats_server.url, job.id, 3))
        return await export(*args, **kwargs)

    monkeypatch.setattr(backup, "export_events", finish_the_job_then_export)
    nc = await streams.connect(nats_server.url, "test-backup")
    try:
        await backup.backup(tmp_path / "var" / "reports.db", nc, tmp_path / "backup")
    finally:
        await nc.close()
    assert _backed_up_subjects(tmp_path / "backup") == [streams.event_subject(job.id)]  # queued only


def _backed_up_subjects(directory: Path) -> list[str]:
    return [json.loads(line)["subject"] for line in (directory / backup.EVENTS).read_text().splitlines()]


async def _purged(url: str, job_id: str) -> bool:
    return await stored_events(url, job_id) == 0


async def _has(url: str, job_id: str, count: int) -> bool:
    return await stored_events(url, job_id) >= count


async def _render_commands(url: str, expected: int) -> set[str]:
    nc = await nats.connect(url)
    try:
        sub = await nc.jetstream().pull_subscribe(
            streams.RENDER_SUBJECT, durable="backup-check", stream=streams.JOBS_STREAM
        )
        seen: set[str] = set()
        while len(seen) < expected:
            for msg in await sub.fetch(expected - len(seen), timeout=20):
                seen.add(job_pb2.RenderCommand.FromString(msg.data).job_id)
                await msg.ack()
        return seen
    finally:
        await nc.close()


def test_restore_refuses_a_directory_that_already_has_a_database(tmp_path):
    (tmp_path / "backup").mkdir()
    (tmp_path / "backup" / backup.MANIFEST).write_text("{}")
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / backup.DATABASE).write_text("")
    with pytest.raises(FileExistsError, match="fresh directory"):
        backup.restore(tmp_path / "backup", tmp_path / "var")


def test_backup_of_postgresql_is_left_to_its_own_tools(monkeypatch):
    monkeypatch.setenv("REPORTS_DATABASE_URL", "postgresql://u@127.0.0.1/db")
    with pytest.raises(SystemExit, match="PostgreSQL"):
        admin._sqlite_path("postgresql://u@127.0.0.1/db")
