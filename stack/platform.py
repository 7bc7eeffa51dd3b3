"""The whole platform as child processes: nats-server, dev LLM, store, resolver, renderers, gateway.

`make run` starts it with fixed ports; the end-to-end tests start it with ephemeral ones.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from services.common import defaults
from services.common.listen import http_url
from services.webhooks.signing import generate_secret
from stack import certificates, nats_auth
from stack.nats_server import NatsServer
from stack.processes import ManagedProcess, free_port, stop_all
from stack.service_env import scoped as scoped_env

LISTENING = r'"msg": "listening"'


@dataclass
class PlatformConfig:
    var_dir: Path
    api_keys: str
    gateway_port: int = 0
    store_listen: str = "127.0.0.1:0"
    resolver_listen: str = "127.0.0.1:0"
    renderer_listen: str = "127.0.0.1:0"
    webhooks_listen: str = "127.0.0.1:0"
    devllm_port: int = 0
    nats_url: str | None = None  # None: start the bundled nats-server
    nats_port: int | None = None
    database_url: str | None = None  # None: SQLite under var_dir
    renderers: int = 1
    echo: bool = False
    env: dict[str, str] = field(default_factory=dict)
    metrics_ports: dict[str, int] = field(default_factory=dict)  # by service; others get free ports

    @property
    def log_dir(self) -> Path:
        return self.var_dir / "logs"


def service_exists(name: str) -> bool:
    return importlib.util.find_spec(f"services.{name}.__main__") is not None


def render_capacity(renderers: int, concurrency: int = defaults.RENDERER_CONCURRENCY) -> int:
    """The jobs `renderers` renderers run at once: the store's REPORTS_RENDER_CAPACITY, its dispatch window."""
    return renderers * concurrency


def uses_dev_llm(environ: dict[str, str]) -> bool:
    return not (environ.get("OPENAI_API_KEY") or environ.get("ANTHROPIC_API_KEY"))


class Platform:
    def __init__(self, config: PlatformConfig) -> None:
        self.config = config
        self.nats: NatsServer | None = None
        self.processes: dict[str, ManagedProcess] = {}
        self.addresses: dict[str, str] = {}
        self.nats_address = config.nats_url or ""  # what services dial, with their own users
        self.nats_url = self.nats_address  # the runner's: as `operator` on the bundled server
        self.nats_users: dict[str, nats_auth.NatsUser] = {}
        self._env = {**os.environ, **config.env}
        self.tls_root = certificates.default_root(config.var_dir)
        if not self._env.get("REPORTS_WEBHOOK_SECRET"):
            # The dispatcher will not start unsigned; `make run` sets (and prints) its own.
            self._env["REPORTS_WEBHOOK_SECRET"] = generate_secret()

    # lifecycle

    def start(self) -> Platform:
        self.config.log_dir.mkdir(parents=True, exist_ok=True)
        try:
            self._start_all()
        except BaseException:
            self.stop()
            raise
        return self

    def _start_all(self) -> None:
        certificates.ensure(self.tls_root)
        if not self.config.nats_url:
            self.nats_users = nats_auth.generate()
            auth = nats_auth.write_config(self.config.var_dir / "nats.conf", self.nats_users)
            self.nats = NatsServer(
                self.config.var_dir / "nats", self.config.log_dir / "nats.log", port=self.config.nats_port, config=auth
            ).start()
            self.nats_address = self.nats.url
            self.nats_url = nats_auth.with_user(self.nats.url, self.nats_users["operator"])
        # Every address is fixed before anything starts, so the services start side by side.
        devllm: ManagedProcess | None = None
        if uses_dev_llm(self._env) and service_exists("devllm"):
            port = self.config.devllm_port or free_port()
            self.addresses["devllm"] = http_url(self._env.get("DEVLLM_HOST") or defaults.DEVLLM_HOST, port)
            devllm = self._spawn("devllm", {"DEVLLM_PORT": str(port)})
        self.addresses["store"] = _concrete(self.config.store_listen)
        grpc_services = [("store", "store", "REPORTS_STORE_LISTEN")]
        if service_exists("resolver"):
            self.addresses["resolver"] = _concrete(self.config.resolver_listen)
            grpc_services.append(("resolver", "resolver", "REPORTS_RESOLVER_LISTEN"))
        renderers = []
        if service_exists("renderer"):
            for index in range(self.config.renderers):
                name = "renderer" if index == 0 else f"renderer-{index + 1}"
                self.addresses[name] = _concrete(self.config.renderer_listen if index == 0 else "127.0.0.1:0")
                renderers.append((name, "renderer", "REPORTS_RENDERER_LISTEN"))
        if service_exists("webhooks"):
            self.addresses["webhooks"] = _concrete(self.config.webhooks_listen)
            grpc_services.append(("webhooks", "webhooks", "REPORTS_WEBHOOKS_LISTEN"))
        gateway_port = self.config.gateway_port or free_port()
        started = [
            self._spawn(name, {variable: self.addresses[name]}, module=module)
            for name, module, variable in grpc_services
        ]
        started.append(self._spawn("gateway", {"REPORTS_GATEWAY_PORT": str(gateway_port)}, module="gateway"))
        self.addresses["gateway"] = f"http://127.0.0.1:{gateway_port}"
        # The renderers ask the LLM for their model as they start, so they alone wait for the dev LLM.
        if devllm is not None:
            devllm.wait_for(r"devllm listening on ")
        started += [
            self._spawn(name, {variable: self.addresses[name]}, module=module) for name, module, variable in renderers
        ]
        for process in started:
            process.wait_for(LISTENING)

    def start_gateway(self, name: str, port: int | None = None) -> str:
        """Another gateway process beside the first (or the first again, after a kill)."""
        port = port or free_port()
        self._spawn(name, {"REPORTS_GATEWAY_PORT": str(port)}, module="gateway").wait_for(LISTENING)
        self.addresses[name] = f"http://127.0.0.1:{port}"
        return self.addresses[name]

    def start_renderer(self, name: str, env: dict[str, str] | None = None) -> None:
        self.addresses[name] = f"127.0.0.1:{free_port()}"
        self._spawn(name, {"REPORTS_RENDERER_LISTEN": self.addresses[name], **(env or {})}, module="renderer").wait_for(
            LISTENING
        )

    def restart_renderer(self, **env: str) -> None:
        """The renderer stopped and started again with `env` over the platform's own: the LLM's
        settings, which the renderer alone reads, change without a platform of their own."""
        self.processes["renderer"].stop()
        self.start_renderer("renderer", env)

    def service_env(self) -> dict[str, str]:
        env = {
            **self._env,
            "PYTHONUNBUFFERED": "1",
            "REPORTS_VAR_DIR": str(self.config.var_dir),
            "REPORTS_NATS_URL": self.nats_address,
            "REPORTS_API_KEYS": self.config.api_keys,
        }
        if self.config.database_url:
            env["REPORTS_DATABASE_URL"] = self.config.database_url
        for name, variable in (("store", "REPORTS_STORE_ADDR"), ("resolver", "REPORTS_RESOLVER_ADDR")):
            if name in self.addresses:
                env[variable] = self.addresses[name]
        if "devllm" in self.addresses:
            env.setdefault("OPENAI_BASE_URL", self.addresses["devllm"] + "/v1")
            env.setdefault("ANTHROPIC_BASE_URL", self.addresses["devllm"])
            # The SDKs insist on a key; the dev LLM accepts any.
            env.setdefault("OPENAI_API_KEY", "dev-llm")
            env.setdefault("ANTHROPIC_API_KEY", "dev-llm")
            env.setdefault("REPORTS_LLM_PROVIDER", "openai")
            env.setdefault("REPORTS_LLM_MODEL", "dev-llm")
        return env

    def _spawn(self, name: str, extra: dict[str, str], module: str | None = None) -> ManagedProcess:
        metrics_port = self.config.metrics_ports.get(name) or free_port()
        self.addresses[f"{name}-metrics"] = f"http://127.0.0.1:{metrics_port}/metrics"
        process = ManagedProcess(
            name,
            [sys.executable, "-m", f"services.{module or name}"],
            env={
                **scoped_env(self.service_env(), module or name),
                "REPORTS_METRICS_PORT": str(metrics_port),
                "REPORTS_TLS_DIR": str(self.tls_root / (module or name)),
                **nats_auth.service_env(self.nats_users, module or name),
                **extra,
            },
            log_path=self.config.log_dir / f"{name}.log",
            echo=self.config.echo,
        ).start()
        self.processes[name] = process
        return process

    def restart(self, name: str) -> None:
        process = self.processes[name]
        process.stop()
        process.start()
        process.wait_for(LISTENING)

    def stop(self) -> None:
        """SIGTERM to every service at once, then wait for each; nats-server goes last."""
        stop_all(self.processes.values())
        if self.nats is not None:
            self.nats.stop()

    # where things are

    @property
    def gateway_url(self) -> str:
        return self.addresses["gateway"]


def _concrete(listen: str) -> str:
    """`host:0` becomes `host:<a free port>`, so the address is known before the process starts."""
    host, _, port = listen.rpartition(":")
    return f"{host}:{port if port not in ('', '0') else free_port()}"
