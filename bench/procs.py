"""What a process costs, read from /proc (Linux): CPU seconds and resident memory, psutil-free."""

from __future__ import annotations

import os
import platform
import re
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of `pid` (all its threads) so far; 0 if it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) "
    return (int(fields[11]) + int(fields[12])) / _TICKS  # utime, stime


def memory_kib(pid: int) -> dict[str, int]:
    """VmRSS (resident now) and VmHWM (peak resident) of `pid`, in KiB."""
    out: dict[str, int] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0])
    except OSError:
        pass
    return out


class Sampled(Protocol):
    """A group of processes that come and go (a database server's backends): CPU over a window."""

    def start(self) -> object: ...
    def stop(self) -> float: ...


class CpuMeter:
    """CPU seconds used by named processes between `start()` and `stop()`; `groups` are counted
    by their own meters and named like processes."""

    def __init__(self, pids: Mapping[str, int], groups: Mapping[str, Sampled] | None = None) -> None:
        self.pids = dict(pids)
        self.groups = dict(groups or {})
        self._start: dict[str, float] = {}
        self._t0 = 0.0
        self.wall = 0.0
        self.used: dict[str, float] = {}

    def start(self) -> CpuMeter:
        self._t0 = time.monotonic()
        self._start = {name: cpu_seconds(pid) for name, pid in self.pids.items()}
        for group in self.groups.values():
            group.start()
        return self

    def stop(self) -> dict[str, float]:
        self.wall = time.monotonic() - self._t0
        self.used = {name: round(cpu_seconds(pid) - self._start.get(name, 0.0), 2) for name, pid in self.pids.items()}
        self.used.update({name: round(group.stop(), 2) for name, group in self.groups.items()})
        return self.used


def machine() -> dict[str, object]:
    """nproc, CPU model, memory, kernel, Python: what the README's figures were measured on."""
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_kib = 0
    try:
        match = re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text())
        mem_kib = int(match.group(1)) if match else 0
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu_model": model,
        "memory_gib": round(mem_kib / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "git_commit": _git_commit(),
    }


def _git_commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            cwd=Path(__file__).resolve().parents[1],
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "services", "stack"],
            capture_output=True,
            text=True,
            timeout=5,
            cwd=Path(__file__).resolve().parents[1],
        )
        return out.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def raise_open_files_limit(wanted: int = 65536) -> int:
    """Raises this process's soft RLIMIT_NOFILE (children inherit it); returns the new soft limit."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if target > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        return target
    return soft


def python() -> str:
    return sys.executable


def _machine_jiffies() -> tuple[int, int]:
    """(busy, total) CPU ticks of the whole machine since boot, from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields[:8]) - idle, sum(fields[:8])


def descendants(root: int) -> list[int]:
    """Every live process below `root` (children, grandchildren, ...)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def _own_cpu() -> float:
    import resource

    me = resource.getrusage(resource.RUSAGE_SELF)
    reaped = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + reaped.ru_utime + reaped.ru_stime


class MachineMeter:
    """How busy the whole machine was over a window, and how much of that was this benchmark.

    Ours: this process, the children it reaped in the window, and its live descendants' CPU since
    the window began. Others: the rest of the machine's busy time (other users' work, on a shared
    machine). A benchmark with a large `others` ran on a noisy machine.
    """

    def start(self) -> MachineMeter:
        self._t0 = time.monotonic()
        self._machine0 = _machine_jiffies()
        self._own0 = _own_cpu()
        self._live0 = {pid: cpu_seconds(pid) for pid in descendants(os.getpid())}
        self._load0 = os.getloadavg()[0]
        return self

    def stop(self) -> dict[str, float]:
        wall = time.monotonic() - self._t0
        busy1, _total1 = _machine_jiffies()
        busy = (busy1 - self._machine0[0]) / _TICKS
        live = sum(cpu_seconds(pid) - self._live0.get(pid, 0.0) for pid in descendants(os.getpid()))
        ours = _own_cpu() - self._own0 + live
        cores = os.cpu_count() or 1
        return {
            "wall_s": round(wall, 1),
            "machine_busy_cores": round(busy / wall, 2) if wall else 0.0,
            "ours_cores": round(ours / wall, 2) if wall else 0.0,
            "others_cores": round(max(0.0, busy - ours) / wall, 2) if wall else 0.0,
            "cores": cores,
            "loadavg_1m": [round(self._load0, 2), round(os.getloadavg()[0], 2)],
        }
