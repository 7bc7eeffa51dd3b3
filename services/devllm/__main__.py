"""`python -m services.devllm`: read settings (a bad one: exit 2 with one line), bind, serve, log
`devllm listening on URL`; SIGINT and SIGTERM stop it (uvicorn's handlers)."""

from __future__ import annotations

import asyncio
import logging
import os
import socket

import uvicorn

from services.common import env, loop_choice
from services.common.listen import http_url, tcp_listener

from .app import create_app
from .settings import Settings

log = logging.getLogger("devllm")


class _Server(uvicorn.Server):
    """A uvicorn server that logs its URL once it is accepting connections."""

    def __init__(self, config: uvicorn.Config, url: str) -> None:
        super().__init__(config)
        self._url = url

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            log.info("devllm listening on %s", self._url)


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return http_url(host, port)


async def serve(settings: Settings) -> None:
    sock = tcp_listener(settings.host, settings.port)
    config = uvicorn.Config(
        create_app(settings),
        lifespan="off",
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=settings.shutdown_grace_s,
    )
    try:
        await _Server(config, url_of(sock)).serve(sockets=[sock])
    finally:
        sock.close()


def main() -> None:
    """Not on `runtime.serve`: the dev LLM logs plain lines and runs no metrics port or traces."""
    settings = env.settings_or_exit("devllm", lambda: Settings.from_env(os.environ))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    with asyncio.Runner(loop_factory=loop_choice.factory(settings.event_loop)) as runner:
        runner.run(serve(settings))


if __name__ == "__main__":
    main()
