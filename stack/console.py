"""What `make run` and `make cluster` share: the development key, and running until Ctrl-C or SIGTERM."""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable, Mapping
from typing import Protocol

from stack.processes import die_with_parent

DEV_KEY = "dev-key-change-me"
DEV_TENANT = "dev"


class System(Protocol):
    def start(self) -> object: ...
    def stop(self) -> None: ...


def configured_api_keys(environ: Mapping[str, str]) -> str:
    """REPORTS_API_KEYS, or the documented development key."""
    return environ.get("REPORTS_API_KEYS") or f"{DEV_KEY}={DEV_TENANT}"


def first_key(keys: str) -> str:
    return keys.split(",")[0].split("=")[0]


def run_until_stopped(name: str, system: System, banner: Callable[[], str]) -> int:
    """Starts `system`, prints `banner()`, and stops it all on Ctrl-C or SIGTERM."""
    die_with_parent()   # `make run` killed: this runner stops too, and stops its services
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    print(f"starting the {name} ...", flush=True)
    try:
        system.start()
    except Exception as exc:
        print(f"could not start: {exc}", file=sys.stderr)
        return 1
    print(banner(), flush=True)
    stop.wait()
    print("stopping ...", flush=True)
    system.stop()
    print("stopped", flush=True)
    return 0
