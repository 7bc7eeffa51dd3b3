"""Each service's CPU per job under B2's saturated load, against the dev LLM's: `python -m bench.cpu_per_job [JOBS]`.

One platform (SQLite, or PostgreSQL with BENCH_DATABASE_URL), 100 jobs to warm it, then JOBS (1,000)
created by B2's 32 connections and followed to their end. Prints jobs/s, each service's CPU per
job, and each one's CPU per job divided by the dev LLM's. The dev LLM does the same work for every
job whatever the platform around it does, so its CPU per job moves only with the machine's speed:
on this machine that moved B2's jobs/s from 62 to 108 within minutes on one build, while the
quotient stayed within 3 %. Comparing two commits, run this in a checkout of each in turn, several
times (round 15 of bench/README.md):

    git worktree add --detach ../base <commit> && ln -s "$PWD/.venv" ../base/.venv
    for i in 1 2 3 4; do for d in ../base .; do (cd $d && python -m bench.cpu_per_job); done; done
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from bench import analysis, b2_pipeline, database, harness
from bench.harness import Context

WARM_UP = 100


def main() -> int:
    jobs = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    with tempfile.TemporaryDirectory(prefix="reports-cpu-per-job-") as work:
        ctx = Context(Path(work), quick=False)
        with harness.platform(ctx.var("cpu-per-job")) as platform:
            media_id = harness.create_media(platform.gateway_url)
            b2_pipeline.load(ctx, platform, media_id, WARM_UP, sequential=False, log="warm-up.log")
            database.analyze(platform.config.database_url)
            meter = harness.service_meter(platform).start()
            result = b2_pipeline.load(ctx, platform, media_id, jobs, sequential=False, log="load.log")
            used = meter.stop()
    done = max(1, len(analysis.completed(analysis.timelines(result["jobs"], result["events"]))))
    per_job = {name: 1000 * seconds / done for name, seconds in used.items()}
    devllm = per_job["devllm"]
    print(f"{done / meter.wall:.1f} jobs/s; CPU per job {sum(per_job.values()):.2f} ms")
    for name, ms in sorted(per_job.items(), key=lambda item: -item[1]):
        print(f"  {name:10s} {ms:6.2f} ms  {ms / devllm:6.3f} of the dev LLM's")
    return 0


if __name__ == "__main__":
    sys.exit(main())
