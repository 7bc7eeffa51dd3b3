"""python -m services.gateway"""

from __future__ import annotations

import logging
import socket

import uvicorn

from services.common import runtime
from services.common.listen import tcp_listener
from services.gateway.app import create_app
from services.gateway.connections import protocol
from services.gateway.settings import GatewaySettings

log = logging.getLogger("services.gateway")


async def main(settings: GatewaySettings) -> None:
    sock = tcp_listener(settings.host, settings.port)
    config = uvicorn.Config(
        create_app(settings),
        log_config=None,
        access_log=False,
        lifespan="on",
        # uvicorn annotates whole seconds, but waits with asyncio.timeout, which takes fractions too
        timeout_graceful_shutdown=settings.drain_s,  # type: ignore[arg-type]  # see above
        http=protocol(settings.connection_limits),
    )
    port = sock.getsockname()[1]

    class AnnouncingServer(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets)
            log.info("listening", extra={"http_port": port, "url": f"http://{settings.host}:{port}"})

    await AnnouncingServer(config).serve(sockets=[sock])


if __name__ == "__main__":
    runtime.serve("gateway", GatewaySettings.from_env, main)
