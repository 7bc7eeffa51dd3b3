"""python -m services.store"""

import asyncio

from services.common import grpc_server, logs
from services.store import app
from services.store.settings import StoreSettings


async def main() -> None:
    settings = StoreSettings.from_env()
    store = await app.start(settings)
    await grpc_server.wait_for_stop_signal()
    await store.stop()


if __name__ == "__main__":
    logs.configure("store")
    asyncio.run(main())
