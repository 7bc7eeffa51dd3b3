"""python -m services.resolver"""

from __future__ import annotations

from services.common import grpc_server, runtime
from services.resolver import app
from services.resolver.settings import ResolverSettings


async def main(settings: ResolverSettings) -> None:
    resolver = await app.start(settings)
    await grpc_server.wait_for_stop_signal()
    await resolver.stop()


if __name__ == "__main__":
    runtime.serve("resolver", ResolverSettings.from_env, main)
