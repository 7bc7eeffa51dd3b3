"""The benchmark's database choice, its results' labels, and counting a database server's backends."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bench import database, report
from bench.database import Choice, ServerCpu
from bench.procs import CpuMeter
from tests.support.databases import POSTGRES_URL


def test_sqlite_unless_bench_database_url_names_a_postgresql_server():
    assert database.choice({}) == Choice("sqlite")
    chosen = database.choice({"BENCH_DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/postgres"})
    assert chosen == Choice("postgresql", "postgresql://postgres@127.0.0.1:5432/postgres")
    assert (Choice("sqlite").suffix, chosen.suffix) == ("", "-postgresql")
    with pytest.raises(ValueError, match="postgresql://"):
        database.choice({"BENCH_DATABASE_URL": "mysql://root@127.0.0.1/x"})


def test_a_postgresql_run_has_a_readme_section_of_its_own_beside_sqlites():
    readme = report.update_readme(report.TEMPLATE, "sqlite table")
    both = report.update_readme(readme, "postgresql table", "-postgresql")
    start, end = report.markers("-postgresql")
    assert f"{report.START}\nsqlite table\n{report.END}" in both
    assert f"{start}\npostgresql table\n{end}" in both
    assert report.update_readme(both, "sqlite again").count("postgresql table") == 1


def test_results_say_which_database_the_store_ran_on():
    results = {"database": {"kind": "postgresql", "version": "15.8", "server_cpu_counted": True}}
    assert "store on PostgreSQL 15.8" in report.render(results)
    assert "counted as `postgres`" in report.render(results)
    assert "store on SQLite 3.45.1" in report.render({"database": {"kind": "sqlite", "version": "3.45.1"}})


def test_a_server_process_serves_a_database_when_its_title_names_it():
    assert database.serves("postgres: 15/main: postgres bench_7_b2 127.0.0.1(40170) idle", "bench_7_b2")
    assert database.serves("postgres: 15/main: autovacuum worker bench_7_b2", "bench_7_b2")
    assert not database.serves("postgres: 15/main: postgres test 127.0.0.1(40170) idle", "bench_7_b2")
    assert not database.serves("postgres: 15/main: postgres bench_7_b2x 127.0.0.1(1) idle", "bench_7_b2")
    assert not database.serves("postgres: 15/main: walwriter", "bench_7_b2")


class FakeServer:
    """A postmaster's children as /proc would show them: titles and CPU seconds, changed by the test."""

    def __init__(self) -> None:
        self.titles: dict[int, str] = {}
        self.cpu: dict[int, float] = {}

    def meter(self) -> ServerCpu:
        return ServerCpu(
            1,
            "bench_db",
            interval_s=3600,
            children=lambda _: list(self.titles),
            title=self.titles.__getitem__,
            cpu=lambda pid: self.cpu.get(pid, 0.0),
        )

    def backend(self, pid: int, database: str, cpu: float) -> None:
        self.titles[pid] = f"postgres: 15/main: postgres {database} 127.0.0.1({pid}) idle"
        self.cpu[pid] = cpu

    def exit(self, pid: int) -> None:
        del self.titles[pid], self.cpu[pid]


def test_server_cpu_counts_the_databases_backends_over_the_window_only():
    server = FakeServer()
    server.backend(10, "bench_db", cpu=5.0)  # serving since before the window
    server.backend(11, "test", cpu=1.0)  # another database's backend
    meter = server.meter().start()
    server.cpu[10] = 5.5
    server.cpu[11] = 9.0
    assert meter.stop() == pytest.approx(0.5)


def test_server_cpu_keeps_backends_that_came_and_went_within_the_window():
    server = FakeServer()
    meter = server.meter().start()
    server.backend(20, "bench_db", cpu=0.25)  # connected during the window: counts from zero
    meter.sample()
    server.cpu[20] = 0.75
    meter.sample()
    server.exit(20)  # disconnected: its last sample stays
    server.backend(21, "bench_db", cpu=0.5)
    assert meter.stop() == pytest.approx(1.25)


def test_cpu_meter_names_a_sampled_group_like_a_process():
    class Fixed:
        def start(self) -> Fixed:
            return self

        def stop(self) -> float:
            return 0.123

    used = CpuMeter({}, {"postgres": Fixed()}).start().stop()
    assert used == {"postgres": 0.12}


def test_server_cpu_reads_a_real_process_trees_titles_from_proc():
    parent = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import subprocess, sys; "
            "a = subprocess.Popen([sys.executable, '-c', 'import sys; sys.stdin.read()', 'bench_db'], "
            "stdin=subprocess.PIPE); "
            "b = subprocess.Popen([sys.executable, '-c', 'import sys; sys.stdin.read()', 'test'], "
            "stdin=subprocess.PIPE); print(a.pid, b.pid, flush=True); sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert parent.stdout is not None
        ours, theirs = (int(pid) for pid in parent.stdout.readline().split())
        meter = ServerCpu(parent.pid, "bench_db")
        meter.sample()
        assert meter.backends == [ours]
        assert theirs not in meter.backends
    finally:
        parent.kill()
        parent.wait()


def test_analyze_leaves_sqlite_alone(monkeypatch: pytest.MonkeyPatch):
    def no_server(*_args, **_kwargs):
        raise AssertionError("SQLite has no server to connect to")

    monkeypatch.setattr(database.psycopg, "connect", no_server)
    database.analyze(None)
    database.analyze("sqlite:////tmp/reports.db")


@pytest.mark.skipif(not POSTGRES_URL, reason="needs REPORTS_TEST_POSTGRES_URL (CI sets it)")
def test_a_postgresql_server_on_this_machine_is_found_every_time():
    # Read after the connection closed, the backend's /proc entry was sometimes gone already, and a
    # full run then said the server was elsewhere and left its CPU out.
    chosen = database.choice({"BENCH_DATABASE_URL": POSTGRES_URL})
    for _ in range(20):
        assert database.describe(chosen)["server_cpu_counted"] is True
        assert database.server_cpu(POSTGRES_URL) is not None
