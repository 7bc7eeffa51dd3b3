"""`make run` (python -m stack): its banner shows no configured secret, and SIGKILL leaves no service."""

from __future__ import annotations

import os
import select
import signal
import sys
from pathlib import Path

from stack.processes import ManagedProcess, free_port

ROOT = Path(__file__).resolve().parents[2]


def descendants(pid: int) -> set[int]:
    found: set[int] = set()
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except FileNotFoundError:
        return found
    for task in tasks:
        try:
            children = Path(f"/proc/{pid}/task/{task}/children").read_text().split()
        except FileNotFoundError:
            continue
        for child in map(int, children):
            found |= {child, *descendants(child)}
    return found


def wait_gone(pids: set[int], timeout: float) -> set[int]:
    """The pids still alive after `timeout`: each pidfd becomes readable when its process exits."""
    fds = {}
    for pid in pids:
        try:
            fds[os.pidfd_open(pid)] = pid
        except ProcessLookupError:
            continue  # already gone
    try:
        remaining = dict(fds)
        while remaining:
            ready, _, _ = select.select(list(remaining), [], [], timeout)
            if not ready:
                break
            for fd in ready:
                remaining.pop(fd)
        return set(remaining.values())
    finally:
        for fd in fds:
            os.close(fd)


def make_run(folder: Path, **env: str) -> ManagedProcess:
    """`python -m stack` as `make run` starts it, on free ports, in `folder` (its var/ goes there)."""
    environ = {
        k: v for k, v in os.environ.items() if not k.startswith(("REPORTS_", "OPENAI_", "ANTHROPIC_", "DEVLLM_"))
    }
    environ.update(
        {
            "PYTHONPATH": str(ROOT),
            "REPORTS_GATEWAY_PORT": str(free_port()),
            "REPORTS_NATS_PORT": str(free_port()),
            "DEVLLM_PORT": str(free_port()),
            **{
                f"REPORTS_{name}_LISTEN": f"127.0.0.1:{free_port()}"
                for name in ("STORE", "RESOLVER", "RENDERER", "WEBHOOKS")
            },
            **env,
        }
    )
    runner = ManagedProcess(
        "make-run", [sys.executable, "-m", "stack"], env=environ, cwd=folder, log_path=folder / "make-run.log"
    ).start()
    runner.wait_for("Ctrl-C stops everything", timeout=120)
    return runner


def banner(runner: ManagedProcess) -> str:
    return runner.log_path.read_text()


def test_the_banner_shows_the_dev_key_it_made_and_no_secret_it_was_given(tmp_path: Path):
    configured, dev = tmp_path / "configured", tmp_path / "dev"
    configured.mkdir()
    dev.mkdir()
    runner = make_run(
        configured,
        REPORTS_API_KEYS="k-configured-secret=acme",
        REPORTS_WEBHOOK_SECRET="whsec_Y29uZmlndXJlZC1zZWNyZXQtMTIzNA==",
    )
    try:
        text = banner(runner)
        assert "k-configured-secret" not in text and "whsec_" not in text
        assert "as configured" in text
        assert not (configured / "var" / "dev-api-key").exists()
    finally:
        runner.stop(timeout=30)
    runner = make_run(dev)
    try:
        key = (dev / "var" / "dev-api-key").read_text().strip()
        secret = (dev / "var" / "webhook-secret").read_text().strip()
        assert key.startswith("dev_") and len(key) > 30
        assert (dev / "var" / "dev-api-key").stat().st_mode & 0o077 == 0
        text = banner(runner)
        assert key in text and secret not in text
    finally:
        runner.stop(timeout=30)


def test_no_service_survives_a_sigkilled_runner(tmp_path: Path):
    runner = make_run(tmp_path)
    try:
        assert runner.proc is not None
        services = descendants(runner.proc.pid)
        assert len(services) >= 7, services  # nats-server, dev LLM, store, resolver, renderer, webhooks, gateway
        os.kill(runner.proc.pid, signal.SIGKILL)
        runner.proc.wait()
        survivors = wait_gone(services, timeout=60)
        assert survivors == set(), {pid: Path(f"/proc/{pid}/cmdline").read_bytes() for pid in survivors}
    finally:
        runner.kill()
