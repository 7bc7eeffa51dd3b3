"""Issue 15's targets judged from a run's results: met, not met, and a benchmark that did not run."""

from __future__ import annotations

from bench import lean_targets, report


def _results() -> dict:
    return {
        "benchmarks": {
            "B1": {"ratios": {"throughput": 0.07}},
            "B2": {
                "saturated": {"service_cpu_ms_per_job": {"store": 10.0, "renderer": 9.0, "postgres": 7.5}},
                "ratios": {"unloaded_p50_vs_direct": 1.98},
            },
            "B4": {"ratios": {"p50": 1.4, "p99": 1.6}},
            "B5": {"render": {"pipeline_ratio": 1.0}},
        }
    }


def test_each_target_is_judged_on_the_runs_own_figure():
    verdicts = {(j.bench, j.figure): (j.value, j.met) for j in lean_targets.judged(_results())}
    assert verdicts[("B5", "pipeline jobs/s ÷ Celery+Redis, same work")] == (1.0, True)
    # the database server's CPU counts with the services'
    cpu = verdicts[("B2", "CPU per completed job, all services (and the database server), saturated")]
    assert cpu == (26.5, False)
    assert verdicts[("B2", "create → succeeded p50 one at a time ÷ write_report in-process")] == (1.98, True)
    assert verdicts[("B4", "SSE delivery ÷ plain NATS subscriber, p50")] == (1.4, True)
    assert verdicts[("B4", "SSE delivery ÷ plain NATS subscriber, p99")] == (1.6, False)
    assert verdicts[("B1", "create throughput ÷ bare Starlette")] == (0.07, False)
    assert verdicts[("B3", "makespan ÷ ideal")] == (None, None)


def test_the_readme_section_shows_them_with_their_bounds():
    table = report.lean_path_table(_results())
    assert "| B3 | makespan ÷ ideal | did not run | ≤ 1.15× | — |" in table
    assert "| B2 | create → succeeded p50 one at a time ÷ write_report in-process | 1.98× | ≤ 2.0× | met |" in table
    assert "26.50 ms | ≤ 25 ms | **not met** |" in table
