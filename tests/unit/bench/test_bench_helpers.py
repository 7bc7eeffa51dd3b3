"""The benchmark suite's pure helpers: percentiles, stage arithmetic, parsing, tables.

The benchmarks themselves are not tests (`make bench` runs them); these check the arithmetic
their figures rest on.
"""

from __future__ import annotations

import pytest

from bench import analysis, b1_create, b5_celery, b7_budget, metrics, report
from bench.http1 import sse_events
from bench.stats import percentile, rate, ratio, summary


def test_percentile_interpolates_linearly_between_closest_ranks():
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile([10], 99) == 10
    assert percentile([3, 1, 2], 0) == 1
    assert percentile([3, 1, 2], 100) == 3
    assert percentile(list(range(1, 101)), 99) == pytest.approx(99.01)


def test_percentile_refuses_no_values_and_out_of_range_ranks():
    with pytest.raises(ValueError):
        percentile([], 50)
    with pytest.raises(ValueError):
        percentile([1], 101)


def test_summary_scales_and_orders_its_figures():
    s = summary([0.003, 0.001, 0.002], scale=1000)
    assert s["n"] == 3
    assert (s["p50"], s["max"], s["mean"]) == (2.0, 3.0, 2.0)
    assert s["p50"] <= s["p90"] <= s["p95"] <= s["p99"] <= s["max"]
    assert summary([]) == {"n": 0}


def test_ratio_and_rate_handle_missing_and_zero_baselines():
    assert ratio(50, 200) == 0.25
    assert ratio(1, 0) is None
    assert ratio(None, 2) is None
    assert rate(100, 4) == 25.0
    assert rate(5, 0) == 0.0


def _job(job_id: str, sent: float) -> dict:
    return {"id": job_id, "sent": sent, "replied": sent + 0.010}


def _events(job_id: str, created: float) -> list[tuple]:
    return [
        (job_id, "queued", "queued", created, created + 0.002),
        (job_id, "running", "rendering", created + 0.020, created + 0.021),
        (job_id, "succeeded", "", created + 0.090, created + 0.095),
        (job_id, "succeeded", "", created + 0.500, created + 0.600),
    ]  # a replayed publish


def test_timelines_take_each_moment_once_and_stages_add_up():
    jobs = [_job("j1", 100.0), _job("j2", 101.0), _job("j3", 102.0)]
    events = _events("j1", 100.004) + _events("j2", 101.004)  # j3 never ran
    lines = analysis.timelines(jobs, events)
    assert lines[0]["succeeded"] == pytest.approx(100.094)
    assert lines[0]["observed"] == pytest.approx(100.099)
    assert "succeeded" not in lines[2]
    stages = {r["stage"]: r["ms"] for r in analysis.stage_breakdown(lines)}
    assert stages["queue + resolve: outbox → JetStream → renderer → claim"]["p50"] == pytest.approx(20.0)
    assert stages["render + store: LLM + checks + report"]["p50"] == pytest.approx(70.0)
    assert stages["render + store: LLM + checks + report"]["n"] == 2
    latencies = analysis.job_latencies(lines)
    assert latencies["create_to_succeeded_ms"]["p50"] == pytest.approx(90.0)
    assert latencies["client_post_to_observed_ms"]["p50"] == pytest.approx(99.0)
    assert analysis.largest_stage(analysis.stage_breakdown(lines)) == "render + store: LLM + checks + report"


def test_a_job_claimed_before_it_was_resolved_starts_at_its_resolving_event():
    events = [
        ("old", "queued", "queued", 10.0, 10.001),
        ("old", "running", "resolving", 10.2, 10.201),
        ("old", "running", "rendering", 10.3, 10.301),
        ("old", "succeeded", "", 10.9, 10.901),
    ]
    (line,) = analysis.timelines([_job("old", 9.99)], events)
    assert (line["started"], line["rendering"]) == (10.2, 10.3)


def test_throughput_counts_completed_jobs_from_first_post_to_last_success():
    lines = analysis.timelines([_job("a", 10.0), _job("b", 10.5)], _events("a", 10.0) + _events("b", 11.91))
    result = analysis.throughput(lines)
    assert result["completed"] == 2
    assert result["makespan_s"] == pytest.approx(2.0)
    assert result["jobs_per_s"] == pytest.approx(1.0)


def test_sse_delivery_uses_the_precise_commit_time_from_nats_when_it_has_one():
    nats = [("j", "running", "resolving", 50.0001, 50.002)]
    deliveries = [
        ("j", "running", "resolving", "1970-01-01T00:00:50.000Z", 50.0101),
        ("k", "running", "resolving", "1970-01-01T00:00:50.000Z", 50.0200),
    ]
    result = analysis.sse_delivery(deliveries, nats)
    assert result["matched_to_nats"] == 1
    assert result["sse_ms"]["n"] == 2
    assert result["sse_ms"]["p50"] == pytest.approx(15.0, abs=0.01)
    assert result["nats_direct_ms"]["p50"] == pytest.approx(1.9, abs=0.01)


def test_sse_delivery_matches_a_progress_event_to_its_own_commit_not_its_stages_first():
    nats = [("j", "running", "rendering", 50.0001, 50.002), ("j", "running", "rendering", 52.0001, 52.002)]
    deliveries = [
        ("j", "running", "rendering", "1970-01-01T00:00:50.000Z", 50.0101),
        ("j", "running", "rendering", "1970-01-01T00:00:52.000Z", 52.0101),
    ]
    result = analysis.sse_delivery(deliveries, nats)
    assert result["matched_to_nats"] == 2
    assert result["sse_ms"]["max"] == pytest.approx(10.0, abs=0.01)


def test_profile_summary_ranks_project_functions_and_groups_by_thread_and_library():
    collapsed = [
        "_worker (/usr/lib/python3.11/concurrent/futures/thread.py:83);"
        "get (/work/x/services/store/jobs.py:118);do_execute (/v/site-packages/sqlalchemy/engine/default.py:9) 6",
        "run_forever (/usr/lib/python3.11/asyncio/base_events.py:607);select (/usr/lib/python3.11/selectors.py:468) 4",
        "",
    ]
    profile = analysis.profile_summary(collapsed)
    assert profile["samples"] == 10
    assert profile["by_role"][0] == {"function": "thread pool (database work)", "samples": 6, "share": 0.6}
    assert profile["by_area"][0]["function"] == "SQLAlchemy"
    assert profile["project_by_total"] == [{"function": "get (services/store/jobs.py)", "samples": 6, "share": 0.6}]
    assert profile["by_own"][0]["function"] == "do_execute (sqlalchemy/engine/default.py)"


def test_metrics_parse_and_per_job_difference():
    before = metrics.parse(
        'grpc_server_handling_seconds_count{method="GetJob",service="Store"} 10.0\n'
        'grpc_server_handling_seconds_sum{method="GetJob",service="Store"} 0.5\n'
        'grpc_server_handled_total{code="OK",method="GetJob",service="Store"} 10.0\n'
    )
    after = metrics.parse(
        'grpc_server_handling_seconds_count{method="GetJob",service="Store"} 40.0\n'
        'grpc_server_handling_seconds_sum{method="GetJob",service="Store"} 0.8\n'
    )
    assert before == {"Store.GetJob": (10.0, 0.5)}
    assert metrics.per_job(before, after, jobs=10) == [
        {"method": "Store.GetJob", "calls": 30, "calls_per_job": 3.0, "mean_ms": 10.0, "ms_per_job": 30.0}
    ]


def test_sse_events_splits_chunks_at_blank_lines_and_drops_comments():
    buffer = bytearray()
    assert sse_events(buffer, b": ping\n\nid: 7\nevent: status\nda") == []
    events = sse_events(buffer, b'ta: {"a": 1}\n\nid: 8\r\ndata: x\r\n\r\n')
    assert events == [{"id": "7", "event": "status", "data": '{"a": 1}'}, {"id": "8", "data": "x"}]
    assert buffer == b""


def test_readme_section_is_replaced_between_the_markers_only():
    readme = f"# Benchmarks\n\nmethod prose\n\n{report.START}\nold table\n{report.END}\n\nmore prose\n"
    updated = report.update_readme(readme, "new table")
    assert "old table" not in updated
    assert updated.startswith("# Benchmarks\n\nmethod prose\n\n")
    assert updated.endswith(f"{report.START}\nnew table\n{report.END}\n\nmore prose\n")
    assert report.update_readme(updated, "new table") == updated
    assert report.START in report.update_readme("# no markers yet\n", "x")


def test_markdown_table_escapes_pipes_and_marks_missing_values():
    table = report.markdown_table(["a", "b"], [["x|y", None]])
    assert table.splitlines() == ["| a | b |", "| --- | --- |", "| x\\|y | — |"]


def test_headline_rows_judge_each_target():
    results = {
        "benchmarks": {
            "B3": {
                "jobs": 500,
                "llm_latency_s": 2.0,
                "renderers": 2,
                "concurrency_per_renderer": 64,
                "makespan_s": 8.5,
                "ideal_s": 8.0,
                "ratio_to_ideal": 1.06,
                "client_cpu": {"cpu_pct_of_core": 3.0},
            }
        }
    }
    (row,) = report.headline_rows(results)
    assert row[0] == "B3" and row[4] == "1.06×" and row[6] == "met"


def test_the_rate_limits_cost_is_the_cpu_per_created_job_with_it_on_minus_off():
    on = {"ok": 1000, "server_cpu_s": {"gateway": 2.5, "nats": 0.5}}
    off = {"ok": 2000, "server_cpu_s": {"gateway": 4.0, "nats": 0.8}}
    assert b1_create.limiter_cost(on, off) == {"gateway_cpu_us_per_request": 500.0, "nats_cpu_us_per_request": 100.0}
    assert b1_create.limiter_cost({**on, "ok": 0}, off)["gateway_cpu_us_per_request"] is None


def test_a_turn_wait_runs_from_a_jobs_waiting_event_to_its_next_rendering_one():
    events = [
        ["j1", "running", "rendering", 10.0, 0],
        ["j1", "running", "waiting", 10.5, 0],
        ["j2", "running", "rendering", 10.6, 0],
        ["j1", "running", "rendering", 12.0, 0],
        ["j1", "succeeded", "", 12.5, 0],
    ]
    assert b7_budget.turn_waits(events) == [1.5]


def test_the_provider_budget_row_is_met_only_at_the_budget_with_no_failure_and_one_429_at_most():
    def row(per_minute: float, failed: int, rate_limited: int) -> list:
        b7 = {
            "jobs": 1000,
            "renderers": 2,
            "budget_rpm": 600,
            "jobs_per_minute": per_minute,
            "ratio_to_budget": ratio(per_minute, 600),
            "failed": failed,
            "rate_limited": rate_limited,
            "client_cpu": {"cpu_pct_of_core": 2.0},
        }
        (only,) = report.headline_rows({"benchmarks": {"B7": b7}})
        return only

    assert row(560.0, 0, 1)[4:7] == ["0.93×", "≥ 0.9×, 0 failed, ≤ 1 429", "met"]
    assert row(500.0, 0, 0)[6] == "**not met**"
    assert row(590.0, 1, 0)[6] == "**not met**"
    assert row(590.0, 0, 2)[6] == "**not met**"


def test_the_fairness_rows_judge_each_window_against_tenant_b_alone():
    def window(size: int, alone: float, contended: float) -> dict:
        return {
            "dispatch_window": size,
            "b_alone": {"create_to_succeeded_ms": {"p50": alone}},
            "b_contended": {"create_to_succeeded_ms": {"p50": contended}},
            "p50_ratio": ratio(contended, alone),
        }

    b6 = {"backlog_jobs": 1000, "target_ratio": 2.0, "windows": [window(16, 500.0, 1600.0), window(8, 500.0, 900.0)]}
    default, narrow = report.headline_rows({"benchmarks": {"B6": b6}})
    assert default[0] == "B6" and "window 16" in default[1] and default[4:7] == ["3.20×", "≤ 2× alone", "**not met**"]
    assert "window 8" in narrow[1] and narrow[4:7] == ["1.80×", "≤ 2× alone", "met"]


def test_the_mtls_cost_rows_read_mtls_over_plaintext():
    def side(rps: float) -> dict:
        return {"throughput_rps": rps, "duration_s": 10, "client_cpu": {"cpu_pct_of_core": 5.0}}

    def jobs(per_s: float, cpu_ms: float) -> dict:
        return {
            "jobs": 600,
            "jobs_per_s": per_s,
            "service_cpu_ms_per_job": cpu_ms,
            "client_cpu": {"cpu_pct_of_core": 2.0},
        }

    tls = {
        "connections": 32,
        "create": {"mtls": side(300.0), "plaintext": side(400.0)},
        "saturated": {"mtls": jobs(15.0, 90.0), "plaintext": jobs(20.0, 60.0)},
        "ratios": {
            "create_throughput": ratio(300.0, 400.0),
            "jobs_per_s": ratio(15.0, 20.0),
            "cpu_ms_per_job": ratio(90.0, 60.0),
        },
    }
    create, per_s, cpu = report.headline_rows({"benchmarks": {"TLS": tls}})
    assert (create[0], create[2], create[3], create[4]) == (
        "B1",
        "300.0 req/s",
        "400.0 req/s (plaintext gRPC)",
        "0.75×",
    )
    assert (per_s[0], per_s[4]) == ("B2", "0.75×") and "600 jobs" in per_s[1]
    assert (cpu[2], cpu[4]) == ("90.00 ms", "1.50×")


def test_the_rate_limits_throughput_figure_sums_its_alternating_pairs():
    def load(rps: float) -> dict:
        return {"throughput_rps": rps, "latency_ms": {}, "client_cpu": {"cpu_pct_of_core": 9.0}}

    pairs = [(load(300.0), load(240.0)), (load(300.0), load(300.0))]
    r = b1_create.limits_on_vs_off(pairs)
    assert r == ratio(540.0, 600.0)
    b1 = {
        "baseline": load(4000.0),
        "platform": pairs[0][1],
        "platform_limits_off": pairs[0][0],
        "ratios": {"throughput": ratio(240.0, 4000.0), "limits_on_vs_off": r, "p50": None, "p99": None},
        "limit_pairs_rps": [{"off": off["throughput_rps"], "on": on["throughput_rps"]} for off, on in pairs],
    }
    row = next(row for row in report.headline_rows({"benchmarks": {"B1": b1}}) if "on ÷ off" in row[1])
    assert (row[2], row[3], row[4], row[6]) == ("270.0 req/s", "300.0 req/s (limit off)", "0.90×", "met")
    assert "mean of 2 pairs" in row[1]


def test_b5_weights_each_sides_rate_by_the_dev_llms_cpu_per_job_in_its_run():
    # Celery ran while the machine was 1.25x faster: more tasks a second, less LLM CPU per task.
    assert b5_celery.speed_weighted_ratio(100.0, 4.0, 125.0, 3.2) == 1.0
    assert b5_celery.speed_weighted_ratio(80.0, 4.0, 100.0, 4.0) == 0.8
    assert b5_celery.speed_weighted_ratio(100.0, None, 125.0, 3.2) is None
    assert b5_celery.speed_weighted_ratio(100.0, 4.0, 0.0, 3.2) is None
