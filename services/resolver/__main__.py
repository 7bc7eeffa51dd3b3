"""python -m services.resolver"""

from __future__ import annotations

from services.common import runtime
from services.resolver import app
from services.resolver.settings import ResolverSettings


async def main(settings: ResolverSettings) -> None:
    await runtime.until_stopped(await app.start(settings))


if __name__ == "__main__":
    runtime.serve("resolver", ResolverSettings.from_env, main)
