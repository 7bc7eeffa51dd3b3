"""Job records against a real SQLite database: read and added whole, written back by column."""

from __future__ import annotations

import dataclasses

import grpc
import pytest
from sqlalchemy import update
from sqlalchemy.engine import Connection

from services.common.rpc_errors import ServiceError
from services.common.timeutil import as_utc, utcnow
from services.store import job_rows
from services.store.records import Job
from services.store.tables import JOBS


def _job(job_id: str = "job_1") -> Job:
    now = utcnow()
    return Job(
        id=job_id,
        tenant="t",
        media_id="med_1",
        status="queued",
        stage="queued",
        template="sales_playbook",
        template_params={"product": "seats"},
        target={"strategy": "dominant", "on_miss": "error"},
        created_at=now,
        updated_at=now,
        webhook={"url": "https://example.com/hook", "headers": {}},
    )


def test_a_job_reads_back_as_it_was_added(connection: Connection):
    added = _job()
    job_rows.add(connection, added)
    read = job_rows.read(connection, "job_1")
    assert read is not None
    assert (read.template_params, read.target, read.webhook) == (added.template_params, added.target, added.webhook)
    assert as_utc(read.created_at) == added.created_at
    assert job_rows.read(connection, "job_missing") is None


def test_saving_writes_only_the_fields_named(connection: Connection):
    job_rows.add(connection, _job())
    job = job_rows.read(connection, "job_1")
    assert job is not None
    job.status, job.stage, job.label = "running", "resolving", "not saved"
    job_rows.save(connection, job, "status", "stage")
    again = job_rows.read(connection, "job_1", for_update=True)
    assert again is not None
    assert (again.status, again.stage, again.label) == ("running", "resolving", None)


def test_another_tenants_job_is_not_found_like_a_missing_one(connection: Connection):
    job_rows.add(connection, _job())
    assert job_rows.get(connection, "t", "job_1").id == "job_1"
    for tenant, job_id in (("other", "job_1"), ("t", "job_missing")):
        with pytest.raises(ServiceError) as raised:
            job_rows.get(connection, tenant, job_id)
        assert raised.value.status == grpc.StatusCode.NOT_FOUND


def test_rows_read_ahead_are_taken_once_and_only_for_their_tenants(connection: Connection):
    job_rows.add(connection, _job("job_1"), _job("job_2"), dataclasses.replace(_job("job_3"), tenant="other"))
    read = job_rows.lock_ahead(connection, ["job_2", "job_1", "job_3", "job_missing"], ["t"])
    assert [(row.tenant, row.id) for row in read] == [
        ("t", "job_1"),
        ("t", "job_2"),
    ]  # the database's order; another tenant's job is not read
    taken = job_rows.get(connection, "t", "job_1", for_update=True)
    connection.execute(update(JOBS).where(JOBS.c.id == "job_1").values(label="changed since"))
    again = job_rows.get(connection, "t", "job_1", for_update=True)  # read afresh: taken once
    assert (taken.label, again.label) == (None, "changed since")
    with pytest.raises(ServiceError):
        job_rows.get(connection, "t", "job_3", for_update=True)


def test_a_row_read_ahead_is_read_again_once_it_has_been_saved(connection: Connection):
    job_rows.add(connection, _job("job_1"))
    job_rows.lock_ahead(connection, ["job_1"], ["t"])
    job = dataclasses.replace(_job("job_1"), status="running")
    job_rows.save(connection, job, "status")
    assert job_rows.get(connection, "t", "job_1", for_update=True).status == "running"
