"""The harness side: start platforms and helper servers, run the load generator, read processes."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from bench import database, workload
from bench.procs import CpuMeter
from stack import certificates
from stack.platform import Platform, PlatformConfig
from stack.processes import ManagedProcess, free_port

ROOT = Path(__file__).resolve().parents[1]

# What every benchmark platform runs with, on top of the services' defaults.
BASE_ENV = {
    "PYTHONDONTWRITEBYTECODE": "1",
    # The tenant limits stay on (their cost is in every figure) but never refuse or park the load:
    # B3 runs 2 x 64 jobs of one tenant at once, over the default in-flight cap of 32.
    "REPORTS_DEFAULT_TENANT_LIMITS": "rps:1000000,burst:100000000,inflight:1000000,queued:999999999",
    # B4 holds 1000 event streams of one tenant on one gateway: lift the per-tenant cap.
    "REPORTS_SSE_MAX_PER_TENANT": "100000",
}


class LoadgenFailed(RuntimeError):
    pass


class Loadgen:
    """`python -m bench.loadgen SCENARIO` with `params` on stdin; its JSON lines come back in order."""

    def __init__(
        self, scenario: str, params: dict[str, Any], log_path: Path, env: dict[str, str] | None = None
    ) -> None:
        self.scenario = scenario
        self.log_path = log_path
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(log_path, "a", encoding="utf-8")  # noqa: SIM115 - the process's stderr while it runs
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.loadgen", scenario],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
            env=env,
        )
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(params))
        self.proc.stdin.close()
        self._lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True, name=f"loadgen-{scenario}").start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def message(self, timeout: float) -> dict[str, Any]:
        """The next JSON line; fails if the load generator exits or says nothing in time."""
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            self.proc.kill()
            raise LoadgenFailed(f"loadgen {self.scenario}: nothing within {timeout}s; see {self.log_path}") from None
        if line is None:
            self.proc.wait()
            raise LoadgenFailed(f"loadgen {self.scenario} exited ({self.proc.returncode}); see {self.log_path}")
        return json.loads(line)

    def result(self, timeout: float) -> dict[str, Any]:
        while True:
            message = self.message(timeout)
            if message.get("event") == "result":
                self.proc.wait(30)
                self._log.close()
                return message

    @property
    def pid(self) -> int:
        return self.proc.pid


def run_loadgen(
    scenario: str, params: dict[str, Any], log_path: Path, timeout: float, env: dict[str, str] | None = None
) -> dict[str, Any]:
    return Loadgen(scenario, params, log_path, env).result(timeout)


@contextmanager
def platform(
    var_dir: Path,
    *,
    renderers: int = 1,
    env: dict[str, str] | None = None,
    api_keys: str = f"{workload.API_KEY}={workload.TENANT}",
) -> Iterator[Platform]:
    """The platform, its store on the run's database (bench/database.py): SQLite in `var_dir`, or
    a fresh PostgreSQL database named after `var_dir`, dropped when the platform has stopped."""
    with database.for_platform(database.choice(), var_dir.name.replace("-", "_")) as database_url:
        config = PlatformConfig(
            var_dir=var_dir,
            api_keys=api_keys,
            renderers=renderers,
            env={**BASE_ENV, **(env or {})},
            database_url=database_url,
        )
        started = Platform(config).start()
        # The load generators and the Celery peer call the services' gRPC as every internal identity.
        previous = os.environ.get("REPORTS_TLS_DIR")
        os.environ["REPORTS_TLS_DIR"] = str(certificates.ensure_harness(started.tls_root))
        try:
            wait_ready(started.gateway_url)
            yield started
        finally:
            started.stop()
            if previous is None:
                os.environ.pop("REPORTS_TLS_DIR", None)
            else:
                os.environ["REPORTS_TLS_DIR"] = previous


def wait_ready(gateway_url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{gateway_url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"gateway at {gateway_url} not ready within {timeout}s")


def create_media(gateway_url: str, headers: dict[str, str] = workload.AUTH) -> str:
    response = httpx.post(f"{gateway_url}/v1/media", json=workload.MEDIA_BODY, headers=headers, timeout=30)
    response.raise_for_status()
    return str(response.json()["mediaId"])


def service_pids(p: Platform) -> dict[str, int]:
    pids = {name: proc.proc.pid for name, proc in p.processes.items() if proc.proc is not None and proc.running}
    if p.nats is not None and p.nats.process.proc is not None:
        pids["nats"] = p.nats.process.proc.pid
    return pids


def service_meter(p: Platform) -> CpuMeter:
    """CPU of every service process, and of the database server's backends serving the platform's
    store (`postgres`) when it runs on PostgreSQL."""
    server = database.server_cpu(p.config.database_url)
    return CpuMeter(service_pids(p), {"postgres": server} if server else None)


def renderer_names(p: Platform) -> list[str]:
    return [name for name in p.processes if name.startswith("renderer")]


@contextmanager
def baseline_server(log_dir: Path) -> Iterator[tuple[str, ManagedProcess]]:
    """bench/baseline_app.py in its own process: (url, process)."""
    process = ManagedProcess(
        "baseline",
        [sys.executable, "-m", "bench.baseline_app"],
        cwd=ROOT,
        env={**_environ(), "BENCH_BASELINE_PORT": "0"},
        log_path=log_dir / "baseline.log",
    )
    process.start()
    try:
        match = process.wait_for(r'"msg": "listening", "url": "(http://[^"]+)"')
        yield match.group(1), process
    finally:
        process.stop()


@contextmanager
def redis_server(log_dir: Path, binary: str) -> Iterator[tuple[str, ManagedProcess]]:
    """A redis-server of our own on a free port, nothing kept on disk: (url, process)."""
    port = free_port()
    process = ManagedProcess(
        "redis",
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(log_dir)],
        log_path=log_dir / "redis.log",
    )
    process.start()
    try:
        process.wait_for(r"Ready to accept connections", timeout=20)
        yield f"redis://127.0.0.1:{port}/0", process
    finally:
        process.stop()


@contextmanager
def celery_worker(log_dir: Path, broker: str, concurrency: int, env: dict[str, str]) -> Iterator[ManagedProcess]:
    process = ManagedProcess(
        "celery",
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "bench.celery_peer",
            "worker",
            "--pool",
            "prefork",
            "--concurrency",
            str(concurrency),
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env={**_environ(), **env, "BENCH_CELERY_BROKER": broker},
        log_path=log_dir / "celery.log",
    )
    process.start()
    try:
        process.wait_for(r"ready\.", timeout=60)
        yield process
    finally:
        process.stop()


def process_tree_cpu_pids(root_pid: int) -> list[int]:
    """`root_pid` and its children (a Celery prefork worker and its pool processes)."""
    pids = [root_pid]
    try:
        children = Path(f"/proc/{root_pid}/task/{root_pid}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    return pids


def _environ() -> dict[str, str]:
    import os

    return dict(os.environ)


class Context:
    """Where a run keeps its files, and how big it is (BENCH_QUICK=1: a smoke run)."""

    def __init__(self, work_dir: Path, quick: bool) -> None:
        self.work_dir = work_dir
        self.quick = quick
        self.log_dir = work_dir / "logs"
        self.log_dir.mkdir(parents=True, exist_ok=True)

    def var(self, name: str) -> Path:
        return self.work_dir / name

    def log(self, name: str) -> Path:
        return self.log_dir / name

    def size(self, full: float, quick: float) -> float:
        return quick if self.quick else full
