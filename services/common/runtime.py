"""What every service process does first and last: its settings read (a bad value stops it with one
line on stderr and exit status 2, not a traceback), JSON logs, traces when configured, a metrics
port, and the event loop it runs on (services/common/loop_choice.py).
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import os
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from services.common import cpu, env, grpc_server, keepalive, logs, loop_choice, tracing
from services.common.observability import start_metrics_server

S = TypeVar("S")
T = TypeVar("T")

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


@dataclass(frozen=True)
class ProcessSettings:
    """What every gRPC service and the gateway read besides their own settings. The values common
    modules read when used (keepalive, CPU workers) are checked here too, so a bad one stops the
    process at start."""

    log_level: str = "INFO"
    metrics_port: int | None = None  # unset: no metrics port; 0: a free one
    metrics_host: str = "127.0.0.1"
    event_loop: str = loop_choice.DEFAULT

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> ProcessSettings:
        level = env.text(environ, "REPORTS_LOG_LEVEL", "INFO").upper()
        if level not in LOG_LEVELS:
            raise env.ConfigError(f"REPORTS_LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, got {level!r}")
        loop = loop_choice.chosen(environ)
        keepalive.keepalive_s(environ)
        cpu.workers(environ)
        return cls(
            log_level=level,
            metrics_port=(
                env.integer(environ, "REPORTS_METRICS_PORT", 0)
                if env.text(environ, "REPORTS_METRICS_PORT", "")
                else None
            ),
            metrics_host=env.text(environ, "REPORTS_METRICS_HOST", "127.0.0.1"),
            event_loop=loop,
        )

    def loop_factory(self) -> Callable[[], asyncio.AbstractEventLoop] | None:
        return loop_choice.factory(self.event_loop)


def serve(
    service: str, read_settings: Callable[[Mapping[str, str]], S], main: Callable[[S], Coroutine[Any, Any, None]]
) -> None:
    """The whole of a service's `__main__`: every setting read first, then logs, traces and metrics
    set up, then `main(settings)` run to its end (it returns once a stop signal has drained it)."""
    process = env.settings_or_exit(service, lambda: ProcessSettings.from_env(os.environ))
    settings = env.settings_or_exit(service, lambda: read_settings(os.environ))
    start(service, process)
    run(service, process, lambda: main(settings))


class Running(Protocol):
    """A started service (its app.start's result)."""

    async def stop(self) -> None: ...


async def until_stopped(running: Running, *vital: asyncio.Task[Any]) -> None:
    """Serves until SIGINT or SIGTERM, or until one of the `vital` tasks (one the service cannot
    work without, such as its JetStream consumer) ends; then stops `running`."""
    signalled = asyncio.create_task(grpc_server.wait_for_stop_signal())
    await asyncio.wait([signalled, *vital], return_when=asyncio.FIRST_COMPLETED)
    await running.stop()


def start(service: str, process: ProcessSettings) -> None:
    """JSON logs at the configured level; trace export when `OTEL_EXPORTER_OTLP_ENDPOINT` is set;
    Prometheus metrics when `REPORTS_METRICS_PORT` is."""
    logs.configure(service, process.log_level)
    if tracing.configure(service):
        atexit.register(tracing.shutdown)  # flush the last spans
    if process.metrics_port is not None:
        port = start_metrics_server(process.metrics_port, process.metrics_host)
        logging.getLogger(f"services.{service}").info("metrics listening", extra={"metrics_port": port})


def run(service: str, process: ProcessSettings, main: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Runs `main()` to its end on the configured event loop. A ConfigError it raises (a setting a
    common module reads when used, such as REPORTS_TLS_DIR) stops the process as `env.refuse` does."""
    with asyncio.Runner(loop_factory=process.loop_factory()) as runner:
        try:
            return runner.run(main())
        except env.ConfigError as exc:
            env.refuse(service, exc)
