"""The event loop a process runs on: uvloop's unless `REPORTS_EVENT_LOOP=asyncio`.

In `make bench` B2 (quick runs, two each) the store spent 27 ms of CPU per job on uvloop against
29-32 on asyncio's loop, the gateway 2.2 against 2.4-2.9, the renderer the same; grpc.aio and
uvicorn run on any asyncio loop. The dev LLM's streamed answers cost it less on uvloop too (its
socket writes are uvloop's C transport's, not asyncio's selector transport's): bench/README.md,
round 11.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping

from services.common import env

CHOICES = ("uvloop", "asyncio")
DEFAULT = "uvloop"


def chosen(environ: Mapping[str, str]) -> str:
    loop = env.text(environ, "REPORTS_EVENT_LOOP", DEFAULT).lower()
    if loop not in CHOICES:
        raise env.ConfigError(f"REPORTS_EVENT_LOOP must be uvloop or asyncio, got {loop!r}")
    return loop


def factory(name: str) -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's loop, or None (asyncio's own) for "asyncio": an `asyncio.Runner` loop_factory."""
    if name == "asyncio":
        return None
    import uvloop

    return uvloop.new_event_loop
