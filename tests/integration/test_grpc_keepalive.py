"""Idle gRPC connections survive the keepalive pings clients and servers agree on, and a call after
the idle time is answered on the same connection (issue 13: GOAWAY too_many_pings, then a 503)."""

from __future__ import annotations

import asyncio

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from services.common import grpc_server, keepalive

KEEPALIVE_S = 1.0  # gRPC core sends at most one ping a second anyway
IDLE_PINGS = 8  # gRPC's default server policy ends the connection at the third early ping


@pytest.fixture
def short_keepalive(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REPORTS_GRPC_KEEPALIVE_S", str(KEEPALIVE_S))


async def _idle_connection_survives() -> bool:
    """Whether a connected channel is still READY after IDLE_PINGS keepalive periods without calls."""
    server, port, _health = await grpc_server.create_server([], ["x"], "127.0.0.1:0")
    channel = grpc_server.channel(f"127.0.0.1:{port}")
    try:
        stub = health_pb2_grpc.HealthStub(channel)
        await stub.Check(health_pb2.HealthCheckRequest(), timeout=5)
        assert channel.get_state() == grpc.ChannelConnectivity.READY
        try:
            # Waits for the condition "the connection went away", at most IDLE_PINGS keepalive periods.
            await asyncio.wait_for(
                channel.wait_for_state_change(grpc.ChannelConnectivity.READY), KEEPALIVE_S * IDLE_PINGS
            )
        except TimeoutError:
            await stub.Check(health_pb2.HealthCheckRequest(), timeout=5)
            return True
        return False
    finally:
        await channel.close()
        await server.stop(None)


async def test_an_idle_connection_survives_many_keepalive_pings_and_answers_after(short_keepalive):
    assert await _idle_connection_survives()


async def test_grpcs_default_server_policy_drops_the_same_idle_connection(short_keepalive, monkeypatch):
    # The check above has teeth: a server with gRPC's defaults calls these pings too many.
    monkeypatch.setattr(keepalive, "server_options", lambda environ=None: [])
    assert not await _idle_connection_survives()


def test_the_server_accepts_pings_more_often_than_the_client_sends_them():
    client = dict(keepalive.client_options({"REPORTS_GRPC_KEEPALIVE_S": "30"}))
    server = dict(keepalive.server_options({"REPORTS_GRPC_KEEPALIVE_S": "30"}))
    assert client["grpc.keepalive_time_ms"] == 30_000
    assert server["grpc.http2.min_ping_interval_without_data_ms"] < client["grpc.keepalive_time_ms"]
    assert client["grpc.keepalive_permit_without_calls"] == server["grpc.keepalive_permit_without_calls"] == 1
    assert client["grpc.http2.max_pings_without_data"] == 0
