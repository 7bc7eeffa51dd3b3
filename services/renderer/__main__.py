"""python -m services.renderer: JetStream job worker and the Renderer gRPC service."""

from __future__ import annotations

from services.common import runtime
from services.renderer import app
from services.renderer.settings import RendererSettings


async def main(settings: RendererSettings) -> None:
    renderer = await app.start(settings)
    await runtime.until_stopped(renderer, renderer.worker_task)


if __name__ == "__main__":
    runtime.serve("renderer", RendererSettings.from_env, main)
