"""What every service process sets up first: JSON logs, traces (when configured), a metrics port."""

from __future__ import annotations

import atexit
import logging
import os
import sys
from collections.abc import Callable
from typing import TypeVar

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
