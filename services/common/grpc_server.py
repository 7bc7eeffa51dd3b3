"""Serving and calling gRPC the same way in every service."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from collections.abc import Callable, Iterable

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from services.common import env, grpc_credentials, keepalive
from services.common.caller_guard import CallerGuard
from services.common.observability import ClientInterceptor, ServerInterceptor

log = logging.getLogger(__name__)

MAX_MESSAGE_BYTES = 64 * 1024 * 1024
CHANNEL_OPTIONS = [
    ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
    ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
]

Registrar = Callable[[grpc.aio.Server], None]


async def create_server(
    registrars: Iterable[Registrar], service_names: Iterable[str], address: str
) -> tuple[grpc.aio.Server, int, health.aio.HealthServicer]:
    """A started server with our services and the standard health service, on mTLS with caller rules.

    Reflection only with REPORTS_GRPC_REFLECTION=1; plaintext only with REPORTS_GRPC_INSECURE=1.
    """
    files = grpc_credentials.tls_files()
    interceptors: list[grpc.aio.ServerInterceptor] = [ServerInterceptor()]
    if files is not None:
        interceptors.insert(0, CallerGuard())
    server = grpc.aio.server(options=CHANNEL_OPTIONS + keepalive.server_options(), interceptors=interceptors)
    for register in registrars:
        register(server)
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    names = list(service_names)
    for name in [*names, ""]:
        await health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    if env.flag(os.environ, "REPORTS_GRPC_REFLECTION"):
        reflection.enable_server_reflection(
            [*names, health_pb2.DESCRIPTOR.services_by_name["Health"].full_name, reflection.SERVICE_NAME],
            server,
        )
    if files is None:
        log.warning("gRPC server without TLS or caller checks (REPORTS_GRPC_INSECURE)", extra={"address": address})
        port = server.add_insecure_port(address)
    else:
        port = server.add_secure_port(address, grpc_credentials.server_credentials(files))
    if port == 0:
        raise RuntimeError(f"cannot bind gRPC server to {address}")
    await server.start()
    return server, port, health_servicer


def channel(target: str, peer: str | None = None) -> grpc.aio.Channel:
    """A channel whose calls carry the caller's request id, tenant, job id and trace context.

    On mTLS, `peer` is the identity the server's certificate must name (the target's host when None).
    """
    files = grpc_credentials.tls_files()
    if files is None:
        return grpc.aio.insecure_channel(
            target, options=CHANNEL_OPTIONS + keepalive.client_options(), interceptors=[ClientInterceptor()]
        )
    options = [
        *CHANNEL_OPTIONS,
        *keepalive.client_options(),
        *([("grpc.ssl_target_name_override", peer)] if peer else []),
    ]
    return grpc.aio.secure_channel(
        target, grpc_credentials.channel_credentials(files), options=options, interceptors=[ClientInterceptor()]
    )


async def wait_for_stop_signal() -> signal.Signals:
    """The first SIGINT or SIGTERM, logged: a service stopped from outside says so before draining."""
    loop = asyncio.get_running_loop()
    received: asyncio.Future[signal.Signals] = loop.create_future()

    def on_signal(sig: signal.Signals) -> None:
        if not received.done():
            received.set_result(sig)

    for sig in (signal.SIGINT, signal.SIGTERM):  # left installed: a second signal while draining is ignored
        loop.add_signal_handler(sig, on_signal, sig)
    sig = await received
    log.info("stopping: %s received", sig.name, extra={"signal": sig.name})
    return sig
