"""The B3 model: slots waiting on the LLM in parallel, their CPU work queued on a few cores."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.b3_model import CALLS_FIRST, FIFO, Load, Measured, makespan, measured_b3


@pytest.mark.parametrize("order", [FIFO, CALLS_FIRST])
def test_without_cpu_the_jobs_take_one_llm_wait_per_wave(order: str) -> None:
    load = Load(jobs=500, slots=128, cpu_per_job_s=0.0)

    assert load.ideal_s == 8.0
    assert makespan(load, order) == pytest.approx(8.0)


@pytest.mark.parametrize("order", [FIFO, CALLS_FIRST])
def test_with_an_instant_llm_the_cores_are_the_limit(order: str) -> None:
    load = Load(jobs=100, slots=10, cores=2, llm_s=0.0, cpu_per_job_s=0.01)

    assert makespan(load, order) == pytest.approx(100 * 0.01 / 2)


def test_under_fifo_more_cpu_per_job_means_a_longer_makespan() -> None:
    spans = [makespan(Load(cpu_per_job_s=ms / 1000), FIFO) for ms in (4, 8, 16, 32)]

    assert spans == sorted(spans)
    assert spans[0] < spans[-1]


def test_at_the_cpu_b3_measures_fifo_misses_the_target_and_calls_first_meets_it() -> None:
    """The figures bench/README.md's round 12 quotes."""
    load = Load(cpu_per_job_s=0.0165)

    assert makespan(load, FIFO) / load.ideal_s == pytest.approx(1.268, abs=0.001)
    assert makespan(load, CALLS_FIRST) / load.ideal_s == pytest.approx(1.126, abs=0.001)


def test_fifo_depends_on_the_calls_share_of_the_cpu_and_calls_first_hardly() -> None:
    fifo = [makespan(Load(call_share=share), FIFO) for share in (0.1, 0.25, 0.5)]
    calls_first = [makespan(Load(call_share=share), CALLS_FIRST) for share in (0.1, 0.25, 0.5)]

    assert fifo == sorted(fifo, reverse=True)
    assert fifo[0] - fifo[-1] > 1.0  # seconds
    assert max(calls_first) - min(calls_first) < 0.05


@pytest.mark.parametrize(
    "wrong", [{"cores": 0}, {"slots": 0}, {"jobs": 0}, {"cpu_per_job_s": -0.001}, {"call_share": 1.5}]
)
def test_a_load_that_cannot_run_is_refused(wrong: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        Load(**wrong)


def test_an_unknown_order_is_refused() -> None:
    with pytest.raises(ValueError, match="order must be one of"):
        makespan(Load(), "random")


def test_the_measured_cpu_per_job_comes_from_a_results_file(tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    results.write_text(
        json.dumps(
            {
                "benchmarks": {
                    "B3": {"completed": 500, "ratio_to_ideal": 1.28, "service_cpu_s": {"store": 2.0, "renderer-1": 3.0}}
                }
            }
        )
    )

    assert measured_b3(results) == Measured(pytest.approx(0.01), 1.28)
    assert measured_b3(tmp_path / "missing.json") is None
    results.write_text(json.dumps({"benchmarks": {}}))
    assert measured_b3(results) is None
