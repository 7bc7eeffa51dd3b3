"""Store/CreateJobs: the creates of one call, each answered on its own, in order, as CreateJob would
have answered it, with its events carrying its own request id; a create that breaks fails alone."""

from __future__ import annotations

import grpc
from google.rpc import status_pb2
from sqlalchemy import false, select

from reports.v1 import job_pb2, store_pb2
from services.common import streams
from services.common.rpc_errors import from_status_message
from services.store import jobs
from services.store.tables import OUTBOX
from tests.integration.store.test_outbox import _job_request, _media


def _request(media_id: str, request_id: str, tenant: str = "t") -> store_pb2.CreateJobRequest:
    request = _job_request(media_id, tenant)
    request.request_id = request_id
    return request


def _error(outcome: store_pb2.CreateJobOutcome) -> tuple[grpc.StatusCode, str]:
    error = from_status_message(status_pb2.Status.FromString(outcome.error))
    return error.status, error.code


async def _request_ids_of_events(store, job_id: str) -> set[str]:  # type: ignore[no-untyped-def]
    rows = await store.db.run(
        lambda c: c.execute(select(OUTBOX.c.headers).where(OUTBOX.c.subject == streams.event_subject(job_id))).all()
    )
    return {row.headers.get(streams.REQUEST_ID_HEADER) for row in rows}


async def test_each_create_is_answered_on_its_own_in_order(store, store_stub):
    mine, theirs = await _media(store_stub, "t"), await _media(store_stub, "u")
    reply = await store_stub.CreateJobs(
        store_pb2.CreateJobsRequest(
            creates=[
                _request(mine, "req_1"),
                _request(theirs, "req_2"),  # another tenant's media
                _request("med_unknown", "req_3"),
                _request(mine, "req_4"),
            ]
        )
    )
    first, other, unknown, last = reply.outcomes
    assert _error(other) == _error(unknown) == (grpc.StatusCode.NOT_FOUND, "media_not_found")
    for outcome, request_id in ((first, "req_1"), (last, "req_4")):
        job = await store_stub.GetJob(store_pb2.GetJobRequest(tenant="t", job_id=outcome.created.job_id))
        assert job.status == job_pb2.JOB_STATUS_QUEUED and job.media_id == mine
        assert await _request_ids_of_events(store, job.id) == {request_id}


async def test_a_create_that_breaks_fails_alone_and_its_batch_mates_are_created(store, store_stub, monkeypatch):
    create = jobs.create

    def breaking(connection, batch, new, *args, **kwargs):  # type: ignore[no-untyped-def]
        if new.request_id == "req_breaks":
            raise RuntimeError("a bug in one create")
        return create(connection, batch, new, *args, **kwargs)

    monkeypatch.setattr(jobs, "create", breaking)
    media_id = await _media(store_stub)
    reply = await store_stub.CreateJobs(
        store_pb2.CreateJobsRequest(
            creates=[_request(media_id, "req_a"), _request(media_id, "req_breaks"), _request(media_id, "req_b")]
        )
    )
    made, broken, also = reply.outcomes
    assert _error(broken) == (grpc.StatusCode.INTERNAL, "internal")
    for outcome in (made, also):
        job = await store_stub.GetJob(store_pb2.GetJobRequest(tenant="t", job_id=outcome.created.job_id))
        assert job.status == job_pb2.JOB_STATUS_QUEUED


def _keyed(media_id: str, request_id: str, fingerprint: str) -> store_pb2.CreateJobRequest:
    request = _request(media_id, request_id)
    request.idempotency_key, request.request_fingerprint = "one-key", fingerprint
    return request


async def test_a_key_sent_twice_in_one_call_makes_one_job_and_another_body_with_it_conflicts(store, store_stub, caplog):
    """The creates of one call commit in one transaction, their rows written together at its end:
    a batch-mate with the same key replays the first create as a later transaction would."""
    media_id = await _media(store_stub)
    reply = await store_stub.CreateJobs(
        store_pb2.CreateJobsRequest(
            creates=[
                _keyed(media_id, "req_first", "body-a"),
                _keyed(media_id, "req_again", "body-a"),
                _keyed(media_id, "req_other_body", "body-b"),
            ]
        )
    )
    first, again, other_body = reply.outcomes
    assert "each runs alone" not in caplog.text  # one transaction, not a failed one and three more
    assert (first.created.replayed, again.created.replayed) == (False, True)
    assert again.created.job_id == first.created.job_id
    assert again.created.estimated_wait_sec == first.created.estimated_wait_sec
    assert _error(other_body) == (grpc.StatusCode.ALREADY_EXISTS, "idempotency_conflict")
    listed = await store_stub.ListJobs(store_pb2.ListJobsRequest(tenant="t", limit=10))
    assert [job.id for job in listed.items] == [first.created.job_id]
    assert await _request_ids_of_events(store, first.created.job_id) == {"req_first"}  # one queued event

    replayed_later = (
        await store_stub.CreateJobs(store_pb2.CreateJobsRequest(creates=[_keyed(media_id, "r", "body-a")]))
    ).outcomes[0]
    assert (replayed_later.created.job_id, replayed_later.created.replayed) == (first.created.job_id, True)


async def test_creates_of_several_tenants_and_media_in_one_call_each_get_their_own(store, store_stub):
    t_calls, t_notes, u_calls = (
        await _media(store_stub, "t"),
        await _media(store_stub, "t"),
        await _media(store_stub, "u"),
    )
    creates = [
        _request(t_calls, "req_t1"),
        _request(u_calls, "req_u1", tenant="u"),
        _request(t_notes, "req_t2"),
        _request(t_calls, "req_u_on_t_media", tenant="u"),  # t's media (read for t's creates) in u's create
        _request(u_calls, "req_u2", tenant="u"),
    ]
    reply = await store_stub.CreateJobs(store_pb2.CreateJobsRequest(creates=creates))
    assert _error(reply.outcomes[3]) == (grpc.StatusCode.NOT_FOUND, "media_not_found")
    for request, outcome in zip(creates, reply.outcomes, strict=True):
        if request.request_id == "req_u_on_t_media":
            continue
        job = await store_stub.GetJob(store_pb2.GetJobRequest(tenant=request.tenant, job_id=outcome.created.job_id))
        assert (job.media_id, job.status) == (request.media_id, job_pb2.JOB_STATUS_QUEUED)
        assert await _request_ids_of_events(store, job.id) == {request.request_id}


async def test_a_key_another_replica_committed_meanwhile_reruns_the_batch_and_replays_it(
    store, store_stub, monkeypatch, caplog
):
    """A key read as unused, then found taken when the batch inserts it (another replica committed
    it in between): the batch rolls back and each create runs alone, the keyed one as a replay."""
    media_id = await _media(store_stub)
    committed = (
        await store_stub.CreateJobs(store_pb2.CreateJobsRequest(creates=[_keyed(media_id, "r1", "a")]))
    ).outcomes
    original_key_read, create = jobs._KEY, jobs.create

    def reads_the_key_too_early_once(connection, batch, new, *args, **kwargs):  # type: ignore[no-untyped-def]
        try:
            return create(connection, batch, new, *args, **kwargs)
        finally:
            monkeypatch.setattr(jobs, "_KEY", original_key_read)

    monkeypatch.setattr(jobs, "_KEY", original_key_read.where(false()))
    monkeypatch.setattr(jobs, "create", reads_the_key_too_early_once)
    keyed, plain = (
        await store_stub.CreateJobs(
            store_pb2.CreateJobsRequest(creates=[_keyed(media_id, "r2", "a"), _request(media_id, "r3")])
        )
    ).outcomes
    assert "each runs alone" in caplog.text
    assert (keyed.created.job_id, keyed.created.replayed) == (committed[0].created.job_id, True)
    assert not plain.created.replayed
    listed = await store_stub.ListJobs(store_pb2.ListJobsRequest(tenant="t", limit=10))
    assert sorted(job.id for job in listed.items) == sorted([committed[0].created.job_id, plain.created.job_id])
