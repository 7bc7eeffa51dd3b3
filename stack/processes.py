"""A child process whose output is watched for a readiness line and copied to a log file."""

from __future__ import annotations

import ctypes
import functools
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path


class ProcessFailed(RuntimeError):
    pass


_PR_SET_PDEATHSIG = 1


@functools.cache
def _prctl() -> Callable[..., int] | None:
    """libc's prctl, looked up before any fork (the child may only call it). None off Linux."""
    if not sys.platform.startswith("linux"):
        return None
    return ctypes.CDLL(None, use_errno=True).prctl


def _dying_with_us(argv: list[str]) -> tuple[list[str], Callable[[], None] | None]:
    """`argv` set to die with this process: through util-linux's `setpriv --pdeathsig` where it is
    (an exec, so no Python runs between fork and exec: gRPC's fork handlers in a parent that serves
    gRPC abort a forked child that runs Python), else a `preexec_fn` calling prctl."""
    setpriv = shutil.which("setpriv")
    if setpriv is not None:
        return [setpriv, "--pdeathsig", "TERM", "--", *argv], None
    _prctl()  # resolved here, in the parent: the child between fork and exec only calls it
    return argv, functools.partial(die_with_parent, os.getpid())


def die_with_parent(expected_parent: int | None = None, sig: signal.Signals = signal.SIGTERM) -> None:
    """Asks the kernel to send `sig` to this process when its parent dies (PR_SET_PDEATHSIG).

    `make run`'s services are each in a session of their own (Ctrl-C in the terminal reaches only
    the runner, which stops them in order), so a runner killed with SIGKILL would otherwise leave
    them all running, holding their ports. The signal comes when the *thread* that forked the
    child ends, so `ManagedProcess` forks every child from `_SPAWNER`'s one thread, which lives as
    long as this process. If the parent (`expected_parent`) is already gone by the time this runs,
    the signal is sent at once.
    """
    prctl = _prctl()
    if prctl is None:
        return
    parent = os.getppid() if expected_parent is None else expected_parent
    prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
    if os.getppid() != parent:
        os.kill(os.getpid(), sig)


# The one thread every child is forked from. A child asked to die with its parent gets its signal
# when the thread that forked it ends, not the process: a child started from a short-lived thread
# (the benchmark started two renderers side by side from two threads) was stopped as soon as that
# thread returned. This thread ends only with the process.
_SPAWNER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="process-spawner")

_EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
_handed_out: set[int] = set()
_handed_out_lock = threading.Lock()


# Set by the test harness to its own process id (tests/conftest.py): see _ports_to_pick_from.
PORTS_OWNER_PID = "TEST_PORTS_OWNER_PID"


@functools.cache
def _ports_to_pick_from() -> Sequence[int]:
    """Ports below the kernel's ephemeral range: outgoing connections never take them.

    A port from bind(port 0) is ephemeral, so between being handed out here and being bound by the
    service it was meant for, any client socket on the machine could take it.
    """
    try:
        first_ephemeral = int(_EPHEMERAL_RANGE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        first_ephemeral = 32768
    low = 10000 if first_ephemeral > 12000 else 1024
    ports = range(low, max(low + 1000, first_ephemeral))
    worker, workers = _test_worker()
    share = ports[worker::workers]
    owner = os.environ.get(PORTS_OWNER_PID)
    if owner is None:
        return share
    # A process the owner started (a test's `make run`) picks ports of its own, which the owner's
    # `_handed_out` does not know: it takes the other half, or it could pick one the owner has given
    # to a service that has not bound it yet.
    half = len(share) // 2
    return share[:half] if owner == str(os.getpid()) else share[half:]


def _test_worker() -> tuple[int, int]:
    """This process's place among pytest-xdist's workers, (0, 1) outside them.

    Each worker picks from its own share of the ports: `_handed_out` only knows this process, so two
    workers could otherwise both hand out a port in the moment before its service binds it.
    """
    name = os.environ.get("PYTEST_XDIST_WORKER", "")
    count = os.environ.get("PYTEST_XDIST_WORKER_COUNT", "")
    if not (name.startswith("gw") and name[2:].isdigit() and count.isdigit() and int(count) > 0):
        return 0, 1
    return int(name[2:]) % int(count), int(count)


def free_port() -> int:
    """A port nothing listens on now, that no other caller in this process has been given."""
    candidates = _ports_to_pick_from()
    with _handed_out_lock:
        for _ in range(1000):
            port = random.choice(candidates)
            if port in _handed_out:
                continue
            with socket.socket() as sock:
                try:
                    sock.bind(("127.0.0.1", port))
                except OSError:
                    continue
            _handed_out.add(port)
            return port
    raise RuntimeError(f"no free port in {candidates}")


class ManagedProcess:
    """Runs `argv`, copies its stdout and stderr to `log_path`, and hands each line to `watch`."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        log_path: Path,
        cwd: Path | None = None,
        echo: bool = False,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.env = dict(os.environ if env is None else env)
        self.log_path = log_path
        self.cwd = cwd
        self.echo = echo
        self.proc: subprocess.Popen[str] | None = None
        self._condition = threading.Condition()
        self._reader: threading.Thread | None = None
        self._lines: list[str] = []
        self._output_ended = False

    def start(self) -> ManagedProcess:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        argv, preexec = _dying_with_us(self.argv)
        proc = _SPAWNER.submit(
            subprocess.Popen,
            argv,
            env=self.env,
            cwd=self.cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
            start_new_session=True,
            preexec_fn=preexec,
        ).result()
        with self._condition:  # from here, a previous run's reader (still draining) records nothing
            self.proc = proc
            self._lines = []
            self._output_ended = False
        self._reader = threading.Thread(target=self._read, args=(proc,), daemon=True, name=f"{self.name}-output")
        self._reader.start()
        return self

    def _read(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        with open(self.log_path, "a", encoding="utf-8") as log:
            for line in proc.stdout:
                log.write(line)
                log.flush()
                if self.echo:
                    sys.stdout.write(f"[{self.name}] {line}")
                with self._condition:
                    if proc is self.proc:  # a restarted process's last lines are not its successor's
                        self._lines.append(line)
                        self._condition.notify_all()
        with self._condition:
            if proc is self.proc:
                self._output_ended = True
                self._condition.notify_all()

    def wait_for(self, pattern: str, timeout: float = 30.0) -> re.Match[str]:
        """The first output line (since start) matching `pattern`; fails if the process dies first."""
        regex = re.compile(pattern)
        deadline = _deadline(timeout)
        with self._condition:
            seen = 0
            while True:
                lines = self._lines
                for line in lines[seen:]:
                    match = regex.search(line)
                    if match:
                        return match
                seen = len(lines)
                if self.proc is None or self._exited(deadline()):
                    self._wait_for_output_end()
                    raise ProcessFailed(
                        f"{self.name} exited ({self.returncode}) before {pattern!r}; see {self.log_path}{self._tail()}"
                    )
                remaining = deadline()
                if remaining <= 0:
                    raise ProcessFailed(
                        f"{self.name}: no {pattern!r} within {timeout}s; see {self.log_path}{self._tail()}"
                    )
                self._condition.wait(remaining)

    def _exited(self, timeout: float) -> bool:
        """Whether the process has exited. Its output ends as it exits, a moment before it can be
        reaped: once the output has ended, this waits (up to `timeout`) for that moment rather than
        for a notification that will not come."""
        assert self.proc is not None
        if self.proc.poll() is not None:
            return True
        if not self._output_ended:
            return False
        try:
            self.proc.wait(max(timeout, 0))
        except subprocess.TimeoutExpired:
            return False
        return True

    def _wait_for_output_end(self, timeout: float = 5.0) -> None:
        """After an exit, until the reader has copied the last lines (called holding the condition)."""
        self._condition.wait_for(lambda: self._output_ended, timeout)

    def _tail(self, lines: int = 30) -> str:
        """The last output lines, so a failure report says why without its log file."""
        tail = "".join(self._lines[-lines:])
        return f"; its last output:\n{tail}" if tail else ""

    @property
    def returncode(self) -> int | None:
        return None if self.proc is None else self.proc.poll()

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def terminate(self) -> None:
        """Asks the process to stop, without waiting for it."""
        self._signal(signal.SIGTERM)

    def stop(self, timeout: float = 10.0) -> None:
        self._signal(signal.SIGTERM)
        if self.proc is not None:
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()

    def kill(self) -> None:
        self._signal(signal.SIGKILL)
        if self.proc is not None:
            self.proc.wait()

    def _signal(self, sig: signal.Signals) -> None:
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                pass


def _deadline(timeout: float) -> Callable[[], float]:
    import time

    end = time.monotonic() + timeout
    return lambda: end - time.monotonic()


def stop_all(processes: Iterable[ManagedProcess]) -> None:
    """SIGTERM to every process at once, then waits for each: they shut down side by side."""
    processes = list(processes)
    for process in processes:
        process.terminate()
    for process in processes:
        process.stop()
