"""What every service process sets up first (JSON logs, traces when configured, a metrics port) and
the event loop it runs on.

The loop is uvloop's unless `REPORTS_EVENT_LOOP=asyncio`: in `make bench` B2 (quick runs, two
each) the store spent 27 ms of CPU per job on uvloop against 29-32 on asyncio's loop, the gateway
2.2 against 2.4-2.9, the renderer the same; grpc.aio runs on any asyncio loop.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import os
import sys
from collections.abc import Callable, Coroutine, Mapping
from typing import Any, TypeVar

from services.common import env, logs, tracing
from services.common.observability import start_metrics_server

T = TypeVar("T")


def start(service: str) -> None:
    """Call from `__main__` before serving. `REPORTS_METRICS_PORT` (unset: no metrics port; 0: a free
    one) serves Prometheus metrics; `OTEL_EXPORTER_OTLP_ENDPOINT` turns on trace export."""
    logs.configure(service, os.environ.get("REPORTS_LOG_LEVEL", "INFO"))
    if tracing.configure(service):
        atexit.register(tracing.shutdown)  # flush the last spans
    raw = os.environ.get("REPORTS_METRICS_PORT", "").strip()
    if raw:
        port = start_metrics_server(env.integer(os.environ, "REPORTS_METRICS_PORT", 0),
                                    env.text(os.environ, "REPORTS_METRICS_HOST", "127.0.0.1"))
        logging.getLogger(f"services.{service}").info("metrics listening", extra={"metrics_port": port})


def settings_or_exit(service: str, read: Callable[[], T]) -> T:
    """`read()` (a service's settings from the environment); a ConfigError stops the process with one
    log line, `cannot start: <what is wrong>`, and exit status 2, not a traceback."""
    try:
        return read()
    except env.ConfigError as exc:
        logging.getLogger(f"services.{service}").error("cannot start: %s", exc)
        sys.exit(2)


EVENT_LOOPS = ("uvloop", "asyncio")


def run(service: str, main: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Runs `main()` to its end on the configured event loop (a bad `REPORTS_EVENT_LOOP` stops the
    process as `settings_or_exit` does)."""
    factory = settings_or_exit(service, lambda: loop_factory(os.environ))
    with asyncio.Runner(loop_factory=factory) as runner:
        return runner.run(main())


def loop_factory(environ: Mapping[str, str]) -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's loop (the default), or None for asyncio's own."""
    choice = env.text(environ, "REPORTS_EVENT_LOOP", "uvloop").lower()
    if choice not in EVENT_LOOPS:
        raise env.ConfigError(f"REPORTS_EVENT_LOOP must be uvloop or asyncio, got {choice!r}")
    if choice == "asyncio":
        return None
    import uvloop

    return uvloop.new_event_loop
