"""JobCreates against a stand-in for the store's CreateJobs: when creates go together, and how each
create gets its own answer."""

from __future__ import annotations

import asyncio

import grpc
import pytest

from reports.v1 import store_pb2
from services.common.rpc_errors import ServiceError, not_found, status_message
from services.gateway.job_creates import JobCreates
from tests.support.polling import until


def _rpc_error(code: grpc.StatusCode) -> grpc.aio.AioRpcError:
    return grpc.aio.AioRpcError(code, grpc.aio.Metadata(), grpc.aio.Metadata())


class Store:
    """Answers each CreateJobs call when the test lets it: a job per media id, not found for
    `missing`, an unreadable error for `garbled`; `CreateJob` answers one create at once."""

    def __init__(self, failure: grpc.aio.AioRpcError | None = None) -> None:
        self.calls: list[list[str]] = []
        self.alone: list[str] = []
        self.release = asyncio.Event()
        self.failure = failure

    async def CreateJobs(self, request: store_pb2.CreateJobsRequest, timeout: float) -> store_pb2.CreateJobsResponse:
        self.calls.append([c.media_id for c in request.creates])
        await self.release.wait()
        if self.failure is not None:
            raise self.failure
        response = store_pb2.CreateJobsResponse()
        for create in request.creates:
            if create.media_id == "missing":
                response.outcomes.add(error=status_message(not_found("media", "missing")).SerializeToString())
            elif create.media_id == "garbled":
                response.outcomes.add(error=b"\xff\xff not a status")
            else:
                response.outcomes.add(created=store_pb2.CreateJobResponse(job_id=f"job_{create.media_id}"))
        return response

    async def CreateJob(self, request: store_pb2.CreateJobRequest, timeout: float) -> store_pb2.CreateJobResponse:
        self.alone.append(request.media_id)
        if request.media_id == "missing":
            raise _rpc_error(grpc.StatusCode.NOT_FOUND)
        return store_pb2.CreateJobResponse(job_id=f"job_{request.media_id}")


def _create(media_id: str) -> store_pb2.CreateJobRequest:
    return store_pb2.CreateJobRequest(tenant="t", media_id=media_id)


async def _started(creates: JobCreates, media_id: str) -> asyncio.Task[store_pb2.CreateJobResponse]:
    task = asyncio.create_task(creates.create(_create(media_id), 5.0))
    await asyncio.sleep(0)  # the task runs until it waits for its answer: the create is queued
    return task


async def _in_flight(store: Store, calls: int) -> None:
    await until(lambda: len(store.calls) == calls, timeout_s=5, what=f"call {calls} in flight")


async def _both_in_flight(creates: JobCreates, store: Store) -> list[asyncio.Task[store_pb2.CreateJobResponse]]:
    """Two creates, each sent at once in a call of its own, both held by the store."""
    held = [await _started(creates, "a")]
    await _in_flight(store, 1)
    held.append(await _started(creates, "b"))
    await _in_flight(store, 2)
    return held


async def test_creates_go_at_once_while_fewer_than_two_calls_are_in_flight_and_the_rest_go_together():
    store = Store()
    creates = JobCreates(store)  # type: ignore[arg-type]
    held = await _both_in_flight(creates, store)
    later = [await _started(creates, media) for media in ("c", "d", "e")]
    assert store.calls == [["a"], ["b"]]  # the third call waits for one of them to end
    store.release.set()
    answers = await asyncio.gather(*held, *later)
    assert [a.job_id for a in answers] == ["job_a", "job_b", "job_c", "job_d", "job_e"]
    assert store.calls == [["a"], ["b"], ["c", "d", "e"]]


async def test_with_one_call_in_flight_at_most_the_creates_arriving_meanwhile_go_together():
    store = Store()
    creates = JobCreates(store, max_in_flight=1)  # type: ignore[arg-type]
    first = await _started(creates, "a")
    await _in_flight(store, 1)
    later = [await _started(creates, media) for media in ("b", "c", "d")]
    assert store.calls == [["a"]]
    store.release.set()
    answers = await asyncio.gather(first, *later)
    assert [a.job_id for a in answers] == ["job_a", "job_b", "job_c", "job_d"]
    assert store.calls == [["a"], ["b", "c", "d"]]


@pytest.mark.parametrize(
    ("media_id", "status", "code"),
    [("missing", grpc.StatusCode.NOT_FOUND, "media_not_found"), ("garbled", grpc.StatusCode.INTERNAL, "internal")],
    ids=["the store's error", "an answer that cannot be read"],
)
async def test_each_create_gets_its_own_error(media_id, status, code):
    store = Store()
    store.release.set()
    creates = JobCreates(store)  # type: ignore[arg-type]
    first = await _started(creates, "a")
    failing, other = await _started(creates, media_id), await _started(creates, "b")
    assert (await first).job_id == "job_a"
    with pytest.raises(ServiceError) as raised:
        await failing
    assert (raised.value.status, raised.value.code) == (status, code)
    assert (await other).job_id == "job_b"


async def test_a_failed_call_fails_every_create_in_it_and_the_next_call_goes_on():
    unavailable = _rpc_error(grpc.StatusCode.UNAVAILABLE)
    store = Store(failure=unavailable)
    creates = JobCreates(store)  # type: ignore[arg-type]
    first, second = await _started(creates, "a"), await _started(creates, "b")
    store.release.set()
    for task in (first, second):
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await task
        assert raised.value.code() == grpc.StatusCode.UNAVAILABLE
    store.failure = None
    assert (await creates.create(_create("c"), 5.0)).job_id == "job_c"


async def test_a_create_past_its_deadline_times_out_and_stays_out_of_the_next_call():
    store = Store()
    creates = JobCreates(store)  # type: ignore[arg-type]
    held = await _both_in_flight(creates, store)
    with pytest.raises(ServiceError) as raised:
        await creates.create(_create("late"), timeout=0.01)  # queued behind the two held calls
    assert (raised.value.status, raised.value.code) == (grpc.StatusCode.DEADLINE_EXCEEDED, "timeout")
    kept = await _started(creates, "c")
    store.release.set()
    assert [a.job_id for a in await asyncio.gather(*held, kept)] == ["job_a", "job_b", "job_c"]
    assert store.calls == [["a"], ["b"], ["c"]]


async def test_a_create_whose_request_ended_while_queued_stays_out_of_the_next_call():
    store = Store()
    creates = JobCreates(store)  # type: ignore[arg-type]
    held = await _both_in_flight(creates, store)
    gone, kept = await _started(creates, "gone"), await _started(creates, "c")
    gone.cancel()  # the client went away
    store.release.set()
    assert [a.job_id for a in await asyncio.gather(*held, kept)] == ["job_a", "job_b", "job_c"]
    assert store.calls == [["a"], ["b"], ["c"]]


async def test_a_store_without_create_jobs_gets_one_create_job_call_each():
    store = Store(failure=_rpc_error(grpc.StatusCode.UNIMPLEMENTED))  # older than this gateway
    store.release.set()
    creates = JobCreates(store)  # type: ignore[arg-type]
    first = await _started(creates, "a")
    missing, other = await _started(creates, "missing"), await _started(creates, "b")
    assert (await first).job_id == "job_a" and (await other).job_id == "job_b"
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await missing
    assert raised.value.code() == grpc.StatusCode.NOT_FOUND
    assert sorted(store.alone) == ["a", "b", "missing"]
