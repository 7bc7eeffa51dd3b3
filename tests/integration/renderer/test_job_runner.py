"""A renderer's job against a real store and the dev LLM, its target resolved in process: the calls
it makes to the store, cancellation before an LLM call, a redelivery that completes the job once, a
target that cannot be resolved, and a command written before commands carried the target.

The commands are the ones the store wrote to its outbox. The store stub is wrapped only to count
calls and, where a test says so, to have a client cancel the job or the renderer die at a chosen
moment (before the claim, between two LLM attempts, before the completion); every call still goes
to the real store.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc
import pytest
from sqlalchemy import select

from reports.v1 import job_pb2, store_pb2, store_pb2_grpc
from services.common import grpc_server, streams
from services.common.rpc_errors import ServiceError
from services.renderer.job_runner import JobRunner
from services.renderer.llm import Llm, LlmSettings
from services.resolver.media_resolver import MediaResolver
from services.store.tables import OUTBOX
from tests.integration.store.test_outbox import _created, _job_request, _media
from tests.support import plain_http
from tests.support.devllm import running_devllm

Hook = Callable[[str, Any], Awaitable[None]]


class CountingStore:
    """The real store stub; counts each method called and runs `before(method, request)` first."""

    def __init__(self, stub: store_pb2_grpc.StoreStub, before: Hook | None = None) -> None:
        self.calls: Counter[str] = Counter()
        self._stub = stub
        self._before = before

    def __getattr__(self, method: str) -> Callable[..., Awaitable[Any]]:
        call = getattr(self._stub, method)

        async def counted(request: Any, **kwargs: Any) -> Any:
            self.calls[method] += 1
            if self._before is not None:
                await self._before(method, request)
            return await call(request, **kwargs)

        return counted


@pytest.fixture
async def media_store(store) -> AsyncIterator[CountingStore]:  # type: ignore[no-untyped-def]
    """The store as the renderer's target resolution reaches it, its calls counted."""
    channel = grpc_server.channel(f"127.0.0.1:{store.port}")
    try:
        yield CountingStore(store_pb2_grpc.StoreStub(channel))
    finally:
        await channel.close()


@pytest.fixture
def resolver(media_store: CountingStore) -> MediaResolver:
    return MediaResolver(media_store)  # type: ignore[arg-type]


@pytest.fixture
def devllm_url() -> Any:
    with running_devllm() as url:
        yield url


def _llm(url: str, model: str = "dev-llm") -> Llm:
    return Llm(
        LlmSettings(
            provider="openai",
            model=model,
            api_key="dev",
            base_url=f"{url}/v1",
            idle_timeout_s=10.0,
            max_attempts=3,
            backoff_base_s=0.01,
            backoff_max_s=0.05,
            check_model=False,
        )
    )


def _answers(url: str) -> int:
    return int(plain_http.get(f"{url}/stats").json().get("served", {}).get("dev-llm", {}).get("answers", 0))


async def _job(store, store_stub: store_pb2_grpc.StoreStub, request: Any = None) -> job_pb2.RenderCommand:  # type: ignore[no-untyped-def]
    """A new job's render command, as the store dispatched it."""
    job = await _created(store_stub, request or _job_request(await _media(store_stub)))
    rows = await store.db.run(
        lambda c: c.execute(select(OUTBOX.c.payload).where(OUTBOX.c.subject == streams.RENDER_SUBJECT)).all()
    )
    commands = [job_pb2.RenderCommand.FromString(row.payload) for row in rows]
    (command,) = [c for c in commands if c.job_id == job.id]
    return command


def _written_before_commands_carried_the_target(command: job_pb2.RenderCommand) -> job_pb2.RenderCommand:
    return job_pb2.RenderCommand(job_id=command.job_id, tenant=command.tenant, request_id=command.request_id)


async def _states(store, job_id: str) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    rows = await store.db.run(
        lambda c: c.execute(
            select(OUTBOX.c.payload).where(OUTBOX.c.subject == streams.event_subject(job_id)).order_by(OUTBOX.c.seq)
        ).all()
    )
    events = [job_pb2.JobEvent.FromString(r.payload) for r in rows]
    return [
        (job_pb2.JobStatus.Name(e.status), job_pb2.JobStage.Name(e.stage)) for e in events if not e.HasField("progress")
    ]


def _canceling(store_stub: store_pb2_grpc.StoreStub, when: Callable[[str, Any], bool]) -> Hook:
    async def cancel_if(method: str, request: Any) -> None:
        if when(method, request):
            await store_stub.CancelJob(store_pb2.CancelJobRequest(tenant=request.tenant, job_id=request.job_id))

    return cancel_if


async def test_a_job_that_succeeds_costs_two_store_calls_and_no_read(store, store_stub, resolver, devllm_url):
    command = await _job(store, store_stub)
    counting = CountingStore(store_stub)
    async with _llm(devllm_url) as llm:
        outcome = await JobRunner(counting, resolver, llm).run(command)  # type: ignore[arg-type]
    assert outcome == "succeeded"
    assert counting.calls == Counter({"ClaimJob": 1, "CompleteJob": 1})
    assert await _states(store, command.job_id) == [
        ("JOB_STATUS_QUEUED", "JOB_STAGE_QUEUED"),
        ("JOB_STATUS_RUNNING", "JOB_STAGE_RENDERING"),
        ("JOB_STATUS_SUCCEEDED", "JOB_STAGE_UNSPECIFIED"),
    ]
    job = await store_stub.GetJob(store_pb2.GetJobRequest(tenant=command.tenant, job_id=command.job_id))
    assert job.resolution.strategy == "dominant" and job.resolution.entity_id


async def test_the_media_is_fetched_once_for_the_jobs_on_it(store, store_stub, media_store, resolver, devllm_url):
    media_id = await _media(store_stub)
    commands = [await _job(store, store_stub, _job_request(media_id)) for _ in range(3)]
    async with _llm(devllm_url) as llm:
        outcomes = [await JobRunner(store_stub, resolver, llm).run(command) for command in commands]
    assert outcomes == ["succeeded"] * 3
    assert media_store.calls == Counter({"GetMedia": 1})


async def test_a_store_that_cannot_be_reached_for_the_media_leaves_the_job_queued_for_a_retry(
    store, store_stub, devllm_url
):
    command = await _job(store, store_stub)
    unreachable = grpc_server.channel("127.0.0.1:1")
    try:
        async with _llm(devllm_url) as llm:
            runner = JobRunner(store_stub, MediaResolver(store_pb2_grpc.StoreStub(unreachable)), llm)
            with pytest.raises(ServiceError) as raised:
                await runner.run(command)
    finally:
        await unreachable.close()
    assert raised.value.status == grpc.StatusCode.UNAVAILABLE  # the worker retries it later
    assert _answers(devllm_url) == 0
    assert await _states(store, command.job_id) == [("JOB_STATUS_QUEUED", "JOB_STAGE_QUEUED")]


async def test_a_job_canceled_before_its_claim_ends_canceled_before_any_llm_call(
    store, store_stub, resolver, devllm_url
):
    command = await _job(store, store_stub)
    # the client cancels after the resolver answered, just before the claim
    counting = CountingStore(store_stub, _canceling(store_stub, lambda method, _: method == "ClaimJob"))
    async with _llm(devllm_url) as llm:
        outcome = await JobRunner(counting, resolver, llm).run(command)  # type: ignore[arg-type]
    assert outcome == "canceled"
    assert _answers(devllm_url) == 0
    assert await _states(store, command.job_id) == [
        ("JOB_STATUS_QUEUED", "JOB_STAGE_QUEUED"),
        ("JOB_STATUS_CANCELED", "JOB_STAGE_QUEUED"),
    ]
    assert "GetJob" not in counting.calls


async def test_a_target_that_cannot_be_resolved_fails_the_job_at_stage_resolving(
    store, store_stub, resolver, devllm_url
):
    request = _job_request(await _media(store_stub))
    request.target.strategy, request.target.entity_id = "entity_id", "Nobody"
    command = await _job(store, store_stub, request)
    async with _llm(devllm_url) as llm:
        outcome = await JobRunner(store_stub, resolver, llm).run(command)
    assert outcome == "failed"
    assert _answers(devllm_url) == 0
    assert await _states(store, command.job_id) == [
        ("JOB_STATUS_QUEUED", "JOB_STAGE_QUEUED"),
        ("JOB_STATUS_RUNNING", "JOB_STAGE_RESOLVING"),
        ("JOB_STATUS_FAILED", "JOB_STAGE_RESOLVING"),
    ]
    job = await store_stub.GetJob(store_pb2.GetJobRequest(tenant=command.tenant, job_id=command.job_id))
    assert job.error.code == "target_not_found"


async def test_a_job_canceled_between_two_llm_attempts_is_not_called_again(store, store_stub, resolver, devllm_url):
    command = await _job(store, store_stub)
    # the second move to rendering (no resolution with it) is the check before the retry
    retry_check = _canceling(
        store_stub,
        lambda method, request: (
            method == "TransitionJob" and not request.HasField("resolution") and not request.HasField("progress")
        ),
    )
    counting = CountingStore(store_stub, retry_check)
    async with _llm(devllm_url, "dev-llm+fail=not_json*1") as llm:
        outcome = await JobRunner(counting, resolver, llm).run(command)  # type: ignore[arg-type]
    assert outcome == "canceled"
    assert _answers(devllm_url) == 1
    assert counting.calls["CompleteJob"] == 0
    reports = await store_stub.ListReports(store_pb2.ListReportsRequest(tenant=command.tenant))
    assert list(reports.items) == []


async def _as_an_older_store(method: str, request: Any) -> None:  # it knew no ClaimJobRequest.resolution
    if method == "ClaimJob":
        request.ClearField("resolution")


@pytest.mark.parametrize(
    ("written_before", "older_store"),
    [(True, False), (False, True)],
    ids=["a command written before commands carried the target", "a store that ignores the claim's resolution"],
)
async def test_a_job_claimed_at_resolving_is_resolved_and_moved_to_rendering_with_its_resolution(
    store, store_stub, resolver, devllm_url, written_before, older_store
):
    command = await _job(store, store_stub)
    if written_before:
        command = _written_before_commands_carried_the_target(command)
    counting = CountingStore(store_stub, _as_an_older_store if older_store else None)
    async with _llm(devllm_url) as llm:
        outcome = await JobRunner(counting, resolver, llm).run(command)  # type: ignore[arg-type]
    assert outcome == "succeeded"
    assert counting.calls == Counter({"ClaimJob": 1, "TransitionJob": 1, "CompleteJob": 1})
    assert await _states(store, command.job_id) == [
        ("JOB_STATUS_QUEUED", "JOB_STAGE_QUEUED"),
        ("JOB_STATUS_RUNNING", "JOB_STAGE_RESOLVING"),
        ("JOB_STATUS_RUNNING", "JOB_STAGE_RENDERING"),
        ("JOB_STATUS_SUCCEEDED", "JOB_STAGE_UNSPECIFIED"),
    ]
    job = await store_stub.GetJob(store_pb2.GetJobRequest(tenant=command.tenant, job_id=command.job_id))
    assert job.resolution.strategy == "dominant" and job.resolution.entity_id


class RendererDied(Exception):
    pass


async def test_a_redelivered_job_is_claimed_again_and_completed_once(store, store_stub, resolver, devllm_url):
    command = await _job(store, store_stub)

    async def die_before_completing(method: str, request: Any) -> None:
        if method == "CompleteJob":
            raise RendererDied

    async with _llm(devllm_url) as llm:
        with pytest.raises(RendererDied):  # a first renderer wrote the report, then died
            await JobRunner(CountingStore(store_stub, die_before_completing), resolver, llm).run(command)  # type: ignore[arg-type]
        runner = JobRunner(store_stub, resolver, llm)
        assert await runner.run(command) == "succeeded"
        assert await runner.run(command) == "succeeded"  # redelivered once more after it ended
    assert _answers(devllm_url) == 2
    # the second claim recorded the same resolution: no new event
    assert await _states(store, command.job_id) == [
        ("JOB_STATUS_QUEUED", "JOB_STAGE_QUEUED"),
        ("JOB_STATUS_RUNNING", "JOB_STAGE_RENDERING"),
        ("JOB_STATUS_SUCCEEDED", "JOB_STAGE_UNSPECIFIED"),
    ]
    reports = await store_stub.ListReports(store_pb2.ListReportsRequest(tenant=command.tenant))
    assert [r.job_id for r in reports.items] == [command.job_id]
