"""python -m services.store"""

from services.common import runtime
from services.store import app
from services.store.settings import StoreSettings


async def main(settings: StoreSettings) -> None:
    await runtime.until_stopped(await app.start(settings))


if __name__ == "__main__":
    runtime.serve("store", StoreSettings.from_env, main)
