"""python -m services.store"""

from services.common import grpc_server, runtime
from services.store import app
from services.store.settings import StoreSettings


async def main(settings: StoreSettings) -> None:
    store = await app.start(settings)
    await grpc_server.wait_for_stop_signal()
    await store.stop()


if __name__ == "__main__":
    runtime.serve("store", StoreSettings.from_env, main)
