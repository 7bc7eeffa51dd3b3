"""A handler stops when its caller's deadline passes, and so does the work it handed to a thread."""

from __future__ import annotations

import asyncio
import time

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from services.common import cpu
from services.common.deadlines import Deadline, within
from services.common.rpc_errors import ServiceError
from services.common.servicer import rpc
from services.store import media
from services.store.commands import NewMedia


def test_a_passed_deadline_stops_transcript_work_with_deadline_exceeded():
    new = NewMedia(
        tenant="t",
        title="",
        transcript_format="segments",
        transcript='[{"speaker": "a", "start": 0, "end": 1, "text": "hi"}]',
    )
    with pytest.raises(ServiceError) as caught:
        media.prepare(new, Deadline(time.monotonic() - 1))
    assert caught.value.status == grpc.StatusCode.DEADLINE_EXCEEDED


def test_no_deadline_never_passes_and_a_timeout_is_capped_by_the_deadline():
    assert not Deadline.never().passed()
    assert Deadline.never().timeout(5.0) == 5.0
    assert Deadline(time.monotonic() + 1).timeout(60.0) <= 1.0


async def test_within_is_deadline_exceeded_when_the_awaitable_outlasts_the_deadline():
    never = asyncio.Event()
    with pytest.raises(ServiceError) as caught:
        await within(Deadline(time.monotonic()), never.wait())
    assert caught.value.status == grpc.StatusCode.DEADLINE_EXCEEDED


async def test_cpu_run_carries_the_result_and_the_callers_context():
    import contextvars

    var: contextvars.ContextVar[str] = contextvars.ContextVar("var", default="unset")
    var.set("caller")
    assert await cpu.run(lambda x: (x, var.get()), 2) == (2, "caller")


class _Stuck(health_pb2_grpc.HealthServicer):
    def __init__(self) -> None:
        self.stopped = asyncio.Event()

    @rpc
    async def Check(self, request, context):  # type: ignore[no-untyped-def]
        try:
            await asyncio.Event().wait()
        finally:
            self.stopped.set()


async def test_a_handler_past_its_callers_deadline_stops_and_the_caller_sees_deadline_exceeded():
    server = grpc.aio.server()
    servicer = _Stuck()
    health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            with pytest.raises(grpc.aio.AioRpcError) as caught:
                await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=0.2)
        assert caught.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
        await servicer.stopped.wait()
    finally:
        await server.stop(None)
