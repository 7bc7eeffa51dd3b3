"""CPU-heavy work (decoding a large body, parsing a transcript) off the event loop, on a bounded pool.

The pool's threads are few (`REPORTS_CPU_WORKERS`, default 2) and every caller queues for them, so
one tenant's huge upload occupies at most one worker while the event loop keeps answering small
requests; the GIL is released to the loop every switch interval (5 ms), which bounds their added
latency. The pool is made on first use, not at import, and its threads are daemon-like workers of a
ThreadPoolExecutor that `shutdown()` ends.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import os
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from services.common import env

T = TypeVar("T")
DEFAULT_WORKERS = 2
INLINE_BYTES = 64 * 1024  # below this, decoding takes less than the hop to a thread

_pool: ThreadPoolExecutor | None = None


def workers(environ: Mapping[str, str] | None = None) -> int:
    return env.integer(os.environ if environ is None else environ, "REPORTS_CPU_WORKERS", DEFAULT_WORKERS, minimum=1)


def _executor() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=workers(), thread_name_prefix="cpu")
    return _pool


async def run(fn: Callable[..., T], *args: Any) -> T:
    """`fn(*args)` on the pool, with the caller's context (request id, trace) carried along."""
    call = functools.partial(contextvars.copy_context().run, fn, *args)
    return await asyncio.get_running_loop().run_in_executor(_executor(), call)


def shutdown() -> None:
    global _pool
    if _pool is not None:
        _pool.shutdown(wait=False, cancel_futures=True)
        _pool = None
