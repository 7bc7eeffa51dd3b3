"""python -m services.renderer: JetStream job worker and the Renderer gRPC service."""

from __future__ import annotations

import asyncio

from services.common import grpc_server, runtime
from services.renderer import app
from services.renderer.settings import RendererSettings


async def main(settings: RendererSettings) -> None:
    renderer = await app.start(settings)
    stop = asyncio.create_task(grpc_server.wait_for_stop_signal())
    await asyncio.wait([stop, renderer.worker_task], return_when=asyncio.FIRST_COMPLETED)
    await renderer.stop()


if __name__ == "__main__":
    runtime.serve("renderer", RendererSettings.from_env, main)
