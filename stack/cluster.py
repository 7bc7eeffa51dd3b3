"""The platform shaped as in production, on one machine: a NATS cluster, PostgreSQL, replicas.

Three nats-server nodes routed to each other with JetStream (streams with one replica per node),
a database of its own on a PostgreSQL server (created at start, dropped at stop, so runs never
share rows), store replicas (each with its outbox relay), gateways, renderers, a resolver and
the dev LLM. Every service gets every NATS node; a gRPC client gets every store replica (its own
first, the others to fail over to). `make cluster` runs it until Ctrl-C; tests/cluster kills and
restarts parts of it.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from services.webhooks.signing import generate_secret
from stack import certificates, nats_auth
from stack.fresh_database import FreshDatabase
from stack.nats_server import ClusterOptions, NatsServer
from stack.platform import LISTENING, render_capacity, service_exists, uses_dev_llm
from stack.processes import ManagedProcess, ProcessFailed, free_port, stop_all
from stack.service_env import scoped as scoped_env

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
NATS_CLUSTER_NAME = "reports"


@dataclass
class ClusterConfig:
    var_dir: Path
    api_keys: str
    postgres_url: str = DEFAULT_POSTGRES_URL  # the server: a fresh database is made on it
    nats_nodes: int = 3
    stores: int = 2
    gateways: int = 2
    renderers: int = 3
    gateway_port: int = 0  # the first gateway's port, the next ones follow; 0: free
    env: dict[str, str] = field(default_factory=dict)
    echo: bool = False

    @property
    def log_dir(self) -> Path:
        return self.var_dir / "logs"


class Cluster:
    def __init__(self, config: ClusterConfig) -> None:
        self.config = config
        self.database = FreshDatabase(config.postgres_url)
        self.nats: list[NatsServer] = []
        self.processes: dict[str, ManagedProcess] = {}
        self._webhook_secret = generate_secret()  # unless REPORTS_WEBHOOK_SECRET names one
        self.addresses: dict[str, str] = {}
        self.metrics_urls: dict[str, str] = {}  # by process name: its Prometheus /metrics page
        self.tls_root = certificates.default_root(config.var_dir)
        self.nats_users = nats_auth.generate()

    # lifecycle

    def start(self) -> Cluster:
        self.config.log_dir.mkdir(parents=True, exist_ok=True)
        certificates.ensure(self.tls_root)
        try:
            self._start_nats()
            self.database.create()
            self._start_services()
        except BaseException:
            self.stop()
            raise
        return self

    def _start_nats(self) -> None:
        for old in self.config.var_dir.glob("nats-*"):  # a previous run's streams name its jobs
            shutil.rmtree(old)
        count = self.config.nats_nodes
        route_ports = [free_port() for _ in range(count)]
        auth = nats_auth.write_config(self.config.var_dir / "nats.conf", self.nats_users)
        routes = [f"nats://127.0.0.1:{port}" for port in route_ports]
        for index in range(count):
            name = f"nats-{index + 1}"
            options = ClusterOptions(NATS_CLUSTER_NAME, name, route_ports[index], routes) if count > 1 else None
            self.nats.append(
                NatsServer(
                    self.config.var_dir / name,
                    self.config.log_dir / f"{name}.log",
                    cluster=options,
                    monitor_port=free_port(),
                    name=name,
                    config=auth,
                )
            )
        for node in self.nats:
            node.launch()
        for node in self.nats:
            node.wait_ready()
        for node in self.nats:
            wait_jetstream_healthy(node)

    def _start_services(self) -> None:
        if uses_dev_llm(self._base_env()) and service_exists("devllm"):
            devllm = self._spawn("devllm", "devllm", {"DEVLLM_PORT": "0"})
            self.addresses["devllm"] = devllm.wait_for(r"devllm listening on (http://\S+)").group(1)
        stores = [f"store-{i + 1}" for i in range(self.config.stores)]
        renderers = [f"renderer-{i + 1}" for i in range(self.config.renderers)]
        gateways = [f"gateway-{i + 1}" for i in range(self.config.gateways)]
        for name in [*stores, "resolver", *renderers, "webhooks"]:
            self.addresses[name] = f"127.0.0.1:{free_port()}"
        first_port = self.config.gateway_port
        for index, name in enumerate(gateways):
            self.addresses[name] = f"http://127.0.0.1:{first_port + index if first_port else free_port()}"

        # One store at a time: the first creates the schema and seeds the prompts, which two
        # processes doing it at once on an empty database would race on.
        for name in stores:
            self._spawn(
                name,
                "store",
                {
                    "REPORTS_STORE_LISTEN": self.addresses[name],
                    "REPORTS_DATABASE_URL": self.database.url,
                    "REPORTS_RENDER_CAPACITY": str(render_capacity(self.config.renderers)),
                },
            ).wait_for(LISTENING)
        started = [
            self._spawn(
                "resolver",
                "resolver",
                {"REPORTS_RESOLVER_LISTEN": self.addresses["resolver"], "REPORTS_STORE_ADDR": self.store_target(0)},
            )
        ]
        for index, name in enumerate(renderers):
            started.append(
                self._spawn(
                    name,
                    "renderer",
                    {
                        "REPORTS_RENDERER_LISTEN": self.addresses[name],
                        "REPORTS_STORE_ADDR": self.store_target(index),
                    },
                )
            )
        started.append(
            self._spawn(
                "webhooks",
                "webhooks",
                {"REPORTS_WEBHOOKS_LISTEN": self.addresses["webhooks"], "REPORTS_STORE_ADDR": self.store_target(1)},
            )
        )
        for index, name in enumerate(gateways):
            started.append(
                self._spawn(
                    name,
                    "gateway",
                    {
                        "REPORTS_GATEWAY_PORT": self.addresses[name].rsplit(":", 1)[1],
                        "REPORTS_STORE_ADDR": self.store_target(index),
                        "REPORTS_RESOLVER_ADDR": self.addresses["resolver"],
                    },
                )
            )
        for process in started:
            process.wait_for(LISTENING)

    def stop(self) -> None:
        """SIGTERM to every service at once, then the NATS nodes, then the database goes."""
        stop_all(self.processes.values())
        for node in self.nats:
            node.stop()
        self.database.drop()

    # killing and restarting parts

    def kill(self, name: str) -> None:
        """SIGKILL: no shutdown, no goodbye, in-flight work abandoned."""
        self.processes[name].kill()

    def restart(self, name: str) -> None:
        """Starts a stopped or killed service again, on the same address."""
        process = self.processes[name]
        process.stop()
        process.start()
        process.wait_for(LISTENING, timeout=60)

    def kill_nats(self, index: int) -> None:
        self.nats[index].kill()

    def restart_nats(self, index: int) -> None:
        node = self.nats[index]
        node.launch().wait_ready()
        wait_jetstream_healthy(node)

    # where things are

    @property
    def nats_address(self) -> str:
        """What services dial, each as its own user."""
        return ",".join(node.url for node in self.nats)

    @property
    def nats_url(self) -> str:
        """The runner's own connection (tests, checks): every node, as `operator`."""
        return nats_auth.with_user(self.nats_address, self.nats_users["operator"])

    @property
    def gateway_urls(self) -> list[str]:
        return [self.addresses[name] for name in sorted(self.addresses) if name.startswith("gateway-")]

    def store_target(self, index: int) -> str:
        """A gRPC target of every store replica, rotated so clients spread over them."""
        stores = [self.addresses[f"store-{i + 1}"] for i in range(self.config.stores)]
        if len(stores) == 1:
            return stores[0]
        first = index % len(stores)
        return "ipv4:" + ",".join(stores[first:] + stores[:first])

    def describe(self) -> Iterator[str]:
        yield f"  nats        {self.nats_address}   (cluster {NATS_CLUSTER_NAME!r}, JetStream R{len(self.nats)})"
        for node in self.nats:
            yield f"    {node.process.name:<10}client {node.url}   monitor {node.monitor_url}"
        yield f"  postgresql  {self.database.url}   (dropped at exit)"
        for name, address in sorted(self.addresses.items()):
            yield f"  {name:<11} {address}" + (
                f"   metrics {self.metrics_urls[name]}" if name in self.metrics_urls else ""
            )
        yield f"  logs        {self.config.log_dir}/"

    # plumbing

    def _base_env(self) -> dict[str, str]:
        return {**os.environ, **self.config.env}

    def _service_env(self) -> dict[str, str]:
        env = self._base_env()
        env.pop("REPORTS_DATABASE_URL", None)  # only the stores get one: the fresh database
        env.update(
            {
                "PYTHONUNBUFFERED": "1",
                "REPORTS_VAR_DIR": str(self.config.var_dir),
                "REPORTS_NATS_URL": self.nats_address,
                "REPORTS_STREAM_REPLICAS": str(len(self.nats)),
                "REPORTS_API_KEYS": self.config.api_keys,
            }
        )
        env.setdefault("REPORTS_WEBHOOK_SECRET", self._webhook_secret)
        if "devllm" in self.addresses:
            env.setdefault("OPENAI_BASE_URL", self.addresses["devllm"] + "/v1")
            env.setdefault("ANTHROPIC_BASE_URL", self.addresses["devllm"])
            env.setdefault("OPENAI_API_KEY", "dev-llm")  # the SDKs insist on a key; the dev LLM takes any
            env.setdefault("ANTHROPIC_API_KEY", "dev-llm")
            env.setdefault("REPORTS_LLM_PROVIDER", "openai")
            env.setdefault("REPORTS_LLM_MODEL", "dev-llm")
        return env

    def _spawn(self, name: str, module: str, extra: dict[str, str]) -> ManagedProcess:
        metrics_port = free_port()  # kept across a restart: the process keeps its environment
        self.metrics_urls[name] = f"http://127.0.0.1:{metrics_port}/metrics"
        process = ManagedProcess(
            name,
            [sys.executable, "-m", f"services.{module}"],
            env={
                **scoped_env(self._service_env(), module),
                "REPORTS_METRICS_PORT": str(metrics_port),
                "REPORTS_TLS_DIR": str(self.tls_root / module),
                **nats_auth.service_env(self.nats_users, module),
                **extra,
            },
            log_path=self.config.log_dir / f"{name}.log",
            echo=self.config.echo,
        ).start()
        self.processes[name] = process
        return process


def wait_jetstream_healthy(node: NatsServer, timeout: float = 60.0) -> None:
    """Until the node's /healthz says JetStream is up and current (a meta leader, streams caught up)."""
    assert node.monitor_url is not None
    deadline = time.monotonic() + timeout
    last = ""
    with httpx.Client(timeout=2) as client:
        while time.monotonic() < deadline:
            if not node.process.running:
                raise ProcessFailed(f"{node.process.name} exited; see {node.process.log_path}")
            try:
                response = client.get(f"{node.monitor_url}/healthz")
                if response.status_code == 200:
                    return
                last = response.text
            except httpx.HTTPError as exc:
                last = str(exc)
            time.sleep(0.1)  # the polling period of a condition checked above
    raise ProcessFailed(f"{node.process.name}: JetStream not healthy within {timeout}s: {last}")
