"""`make run` killed with SIGKILL leaves no service behind (PR_SET_PDEATHSIG, stack/processes.py)."""

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
            continue   # already gone
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


def test_no_service_survives_a_sigkilled_runner(tmp_path: Path):
    environ = {k: v for k, v in os.environ.items()
               if not k.startswith(("REPORTS_", "OPENAI_", "ANTHROPIC_", "DEVLLM_"))}
    environ.update({
        "PYTHONPATH": str(ROOT),
        "REPORTS_GATEWAY_PORT": str(free_port()),
        "REPORTS_NATS_PORT": str(free_port()),
        "DEVLLM_PORT": str(free_port()),
        **{f"REPORTS_{name}_LISTEN": f"127.0.0.1:{free_port()}" for name in ("STORE", "RESOLVER", "RENDERER", "WEBHOOKS")},
    })
    runner = ManagedProcess("make-run", [sys.executable, "-m", "stack"], env=environ, cwd=tmp_path,
                            log_path=tmp_path / "make-run.log").start()
    try:
        runner.wait_for("reports platform is up", timeout=120)
        assert runner.proc is not None
        services = descendants(runner.proc.pid)
        assert len(services) >= 7, services   # nats-server, dev LLM, store, resolver, renderer, webhooks, gateway
        os.kill(runner.proc.pid, signal.SIGKILL)
        runner.proc.wait()
        survivors = wait_gone(services, timeout=60)
        assert survivors == set(), {pid: Path(f"/proc/{pid}/cmdline").read_bytes() for pid in survivors}
    finally:
        runner.kill()
