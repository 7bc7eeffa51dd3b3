"""`make bench` / `python -m bench`: run B1–B7 and the profile, write results.json and the README table.

Environment:
    BENCH_QUICK=1      a smoke run: shorter and smaller everywhere (figures are not comparable)
    BENCH_ONLY=B1,B3   run only these (PROFILE is the profile; B2 runs whenever it or B5 does;
                       TLS is the mTLS-vs-plaintext comparison on B1's and B2's loads)
    BENCH_KEEP=1       keep the work directory (platform logs, SQLite files) after the run
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres
                       the store on PostgreSQL: a fresh database per platform on that server, its
                       backends' CPU counted; results in results-postgresql.json and their own
                       README section (bench/database.py)
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import (
    b1_create,
    b2_pipeline,
    b3_concurrency,
    b4_sse,
    b5_celery,
    b6_fairness,
    b7_budget,
    database,
    harness,
    profiling,
    report,
    tls_cost,
)
from bench.harness import Context
from bench.procs import MachineMeter, machine, raise_open_files_limit

HERE = Path(__file__).resolve().parent
README = HERE / "README.md"


def main() -> int:
    quick = os.environ.get("BENCH_QUICK", "") not in ("", "0")
    only = {b.strip().upper() for b in os.environ.get("BENCH_ONLY", "").split(",") if b.strip()}
    wanted = lambda name: not only or name in only  # noqa: E731
    chosen = database.choice()
    results_path = HERE / f"results{chosen.suffix}.json"
    raise_open_files_limit()
    work = Path(tempfile.mkdtemp(prefix="reports-bench-"))
    ctx = Context(work, quick)
    started = time.monotonic()
    results: dict[str, Any] = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "quick": quick,
        "machine": machine(),
        "database": database.describe(chosen),
        "benchmarks": {},
        "failures": {},
        "machine_load": {},
    }
    print(
        f"bench: work directory {work}{' (BENCH_QUICK: smoke run)' if quick else ''}; store on "
        f"{report.database_label(results['database'])}",
        file=sys.stderr,
    )

    def attempt(name: str, run: Callable[[], Any]) -> Any:
        print(f"bench: {name} ...", file=sys.stderr)
        t0 = time.monotonic()
        meter = MachineMeter().start()
        try:
            value = run()
            results["benchmarks"][name] = value
            return value
        except Exception as exc:  # noqa: BLE001 - one broken benchmark must not hide the others' figures
            results["failures"][name] = f"{type(exc).__name__}: {exc}"
            traceback.print_exc()
            return None
        finally:
            results["machine_load"][name] = load = meter.stop()
            print(
                f"bench: {name} took {time.monotonic() - t0:.0f} s; machine busy {load['machine_busy_cores']} "
                f"of {load['cores']} cores, others {load['others_cores']}",
                file=sys.stderr,
            )

    if wanted("B1"):
        attempt("B1", lambda: b1_create.run(ctx))
    if wanted("B2") or wanted("B5") or wanted("PROFILE"):
        try:
            with harness.platform(ctx.var("b2"), renderers=b2_pipeline.RENDERERS) as p:
                media_id = harness.create_media(p.gateway_url)
                b2 = attempt("B2", lambda: b2_pipeline.run(ctx, p, media_id))
                if b2 is not None:
                    if wanted("PROFILE"):
                        attempt("profile", lambda: profiling.run(ctx, p, media_id, b2))
                    if wanted("B5"):
                        attempt("B5", lambda: b5_celery.run(ctx, p, media_id, b2))
        except Exception as exc:  # noqa: BLE001 - a platform that failed to start is a recorded failure
            results["failures"]["B2 platform"] = f"{type(exc).__name__}: {exc}"
            traceback.print_exc()
    if wanted("TLS"):
        attempt("TLS", lambda: tls_cost.run(ctx))
    if wanted("B3"):
        attempt("B3", lambda: b3_concurrency.run(ctx))
    if wanted("B4"):
        attempt("B4", lambda: b4_sse.run(ctx))
    if wanted("B6"):
        attempt("B6", lambda: b6_fairness.run(ctx))
    if wanted("B7"):
        attempt("B7", lambda: b7_budget.run(ctx))

    results["runtime_s"] = round(time.monotonic() - started, 1)
    results["work_dir"] = str(work)
    results_path.write_text(json.dumps(results, indent=2) + "\n")
    README.write_text(
        report.update_readme(
            README.read_text() if README.exists() else report.TEMPLATE, report.render(results), chosen.suffix
        )
    )
    print(report.render_table(results), file=sys.stderr)
    print(
        f"bench: wrote {results_path.relative_to(HERE.parent)} and {README.relative_to(HERE.parent)} "
        f"in {results['runtime_s']:.0f} s",
        file=sys.stderr,
    )
    if results["failures"] or os.environ.get("BENCH_KEEP"):
        print(f"bench: logs kept in {work}", file=sys.stderr)
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if results["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
