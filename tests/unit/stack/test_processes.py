"""The process helpers the stack, the tests and the benchmarks start services with."""

from __future__ import annotations

import os
import signal
import socket
import sys
import threading
from pathlib import Path

import pytest

from stack.processes import PORTS_OWNER_PID, ManagedProcess, ProcessFailed, _ports_to_pick_from, free_port
from tests.support.polling import eventually

# Holds SIGTERM back instead of dying of it, then, told to by SIGUSR1, says whether one came.
_REPORTS_A_PENDING_TERM = """
import signal
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGUSR1})
print("up", flush=True)
signal.sigwait({signal.SIGUSR1})
print("SIGTERM pending" if signal.SIGTERM in signal.sigpending() else "no SIGTERM", flush=True)
signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})   # now the test's stop() ends it
signal.sigwait({signal.SIGUSR1})
"""


def _first_ephemeral_port() -> int:
    return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])


def test_free_ports_are_never_handed_out_twice_and_can_be_bound():
    ports = [free_port() for _ in range(200)]
    assert len(set(ports)) == len(ports)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", ports[-1]))


def test_free_ports_stay_out_of_the_range_client_sockets_take_theirs_from():
    # A port a client socket can be given would be lost to any outgoing connection made between
    # choosing it and the service binding it.
    assert all(port < _first_ephemeral_port() for port in (free_port() for _ in range(50)))


def test_two_test_workers_never_pick_from_the_same_ports(monkeypatch: pytest.MonkeyPatch):
    # pytest-xdist's workers each keep their own record of ports handed out; disjoint shares keep two
    # of them from giving the same port to two services in the moment before either binds it.
    monkeypatch.delenv(PORTS_OWNER_PID, raising=False)
    shares = []
    for worker in ("gw0", "gw1", "gw2"):
        monkeypatch.setenv("PYTEST_XDIST_WORKER", worker)
        monkeypatch.setenv("PYTEST_XDIST_WORKER_COUNT", "3")
        _ports_to_pick_from.cache_clear()
        shares.append(set(_ports_to_pick_from()))
    _ports_to_pick_from.cache_clear()
    assert all(shares) and not (shares[0] & shares[1] or shares[0] & shares[2] or shares[1] & shares[2])
    monkeypatch.delenv("PYTEST_XDIST_WORKER")
    alone = set(_ports_to_pick_from())
    _ports_to_pick_from.cache_clear()
    assert alone == shares[0] | shares[1] | shares[2]


def test_a_process_the_test_worker_starts_never_picks_the_ports_the_worker_hands_out(
    monkeypatch: pytest.MonkeyPatch,
):
    # A test's `make run` picks its services' metrics ports itself, while the ports the worker gave
    # it (gateway, NATS, ...) are not bound yet: the two must never pick the same one.
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw1")
    monkeypatch.setenv("PYTEST_XDIST_WORKER_COUNT", "4")
    monkeypatch.setenv(PORTS_OWNER_PID, str(os.getpid()))
    _ports_to_pick_from.cache_clear()
    worker = set(_ports_to_pick_from())
    monkeypatch.setenv(PORTS_OWNER_PID, str(os.getpid() + 1))  # as in a process the worker started
    _ports_to_pick_from.cache_clear()
    started = set(_ports_to_pick_from())
    monkeypatch.delenv(PORTS_OWNER_PID)
    _ports_to_pick_from.cache_clear()
    whole_share = set(_ports_to_pick_from())
    _ports_to_pick_from.cache_clear()
    assert worker and started and not worker & started
    assert worker | started == whole_share


def test_a_free_port_skips_one_a_server_listens_on(monkeypatch: pytest.MonkeyPatch):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        taken = listener.getsockname()[1]
        others = list(range(20000, 20050))
        # Mostly the taken port, so it is drawn and must be passed over.
        monkeypatch.setattr("stack.processes._ports_to_pick_from", lambda: [taken] * 200 + others)
        assert free_port() in others


def test_a_process_that_dies_before_it_is_ready_says_why(tmp_path: Path):
    script = "import sys; print('starting'); sys.exit('OSError: [Errno 98] address already in use')"
    process = ManagedProcess("svc", [sys.executable, "-c", script], log_path=tmp_path / "svc.log").start()
    with pytest.raises(ProcessFailed) as failure:
        process.wait_for("listening")
    message = str(failure.value)
    assert "svc exited (1)" in message
    assert "address already in use" in message and "starting" in message


def test_a_process_started_from_a_thread_outlives_that_thread(tmp_path: Path):
    # A child set to die with its parent is signalled when the *thread* that forked it ends. B3
    # started its two renderers from two threads of its own; both got SIGTERM right after
    # "listening" and drained, and no queued job was ever taken.
    started: dict[str, object] = {}

    def start() -> None:
        started["tid"] = threading.get_native_id()
        started["process"] = ManagedProcess(
            "svc", [sys.executable, "-c", _REPORTS_A_PENDING_TERM], log_path=tmp_path / "svc.log"
        ).start()

    starter = threading.Thread(target=start)
    starter.start()
    starter.join()
    process = started["process"]
    assert isinstance(process, ManagedProcess) and process.proc is not None
    try:
        process.wait_for("up")
        # The kernel sends the death signal while the thread exits, before its /proc entry goes.
        eventually(lambda: not Path(f"/proc/self/task/{started['tid']}").exists(), what="the starter thread's exit")
        os.kill(process.proc.pid, signal.SIGUSR1)
        assert process.wait_for("SIGTERM").string.strip() == "no SIGTERM"
    finally:
        process.stop()


# Its stdout outlives it: a grandchild holds it until 0.3 s after the process is gone, then writes
# "stale". The process itself says "ready" after 1 s (its own start-up time: the condition under test).
_LEAVES_ITS_OUTPUT_OPEN = """
import os, signal, subprocess, sys, time
lingering = "import os, signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); parent = os.getppid()\\n"
lingering += "while os.getppid() == parent: time.sleep(0.05)\\ntime.sleep(0.3); print('stale', flush=True)"
subprocess.Popen([sys.executable, "-c", lingering])
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
time.sleep(1)
print("ready", flush=True)
time.sleep(60)
"""


def test_a_restarted_process_is_waited_for_on_its_own_output(tmp_path: Path):
    # The first run's output is still being read when the second starts: its last line and the end
    # of its output are not the second run's (a restarted gateway was waited for until the timeout).
    process = ManagedProcess("svc", [sys.executable, "-c", _LEAVES_ITS_OUTPUT_OPEN], log_path=tmp_path / "svc.log")
    process.start().wait_for("ready")
    process.stop()
    process.start()
    try:
        assert process.wait_for("ready|stale", timeout=20).group(0) == "ready"
    finally:
        process.stop()
