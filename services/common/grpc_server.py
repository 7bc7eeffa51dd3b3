"""Serving and calling gRPC the same way in every service."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable, Iterable

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from services.common.observability import ClientInterceptor, ServerInterceptor

log = logging.getLogger(__name__)

MAX_MESSAGE_BYTES = 64 * 1024 * 1024
CHANNEL_OPTIONS = [
    ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
    ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
    ("grpc.keepalive_time_ms", 30_000),
    ("grpc.keepalive_permit_without_calls", 1),
]

Registrar = Callable[[grpc.aio.Server], None]


async def create_server(
    registrars: Iterable[Registrar], service_names: Iterable[str], address: str
) -> tuple[grpc.aio.Server, int, health.aio.HealthServicer]:
    """A started server with our services, the standard health service and reflection."""
    server = grpc.aio.server(options=CHANNEL_OPTIONS, interceptors=[ServerInterceptor()])
    for register in registrars:
        register(server)
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    names = list(service_names)
    for name in [*names, ""]:
        await health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    reflection.enable_server_reflection(
        [*names, health_pb2.DESCRIPTOR.services_by_name["Health"].full_name, reflection.SERVICE_NAME],
        server,
    )
    port = server.add_insecure_port(address)
    if port == 0:
        raise RuntimeError(f"cannot bind gRPC server to {address}")
    await server.start()
    return server, port, health_servicer


def channel(target: str) -> grpc.aio.Channel:
    """A channel whose calls carry the caller's request id, tenant, job id and trace context."""
    return grpc.aio.insecure_channel(target, options=CHANNEL_OPTIONS, interceptors=[ClientInterceptor()])


async def wait_for_stop_signal() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
