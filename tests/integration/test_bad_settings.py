"""Every service reads its configuration the same way: a bad value stops `python -m services.<name>`
at start with exit status 2 and one line on stderr naming the variable, not a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.service_settings import REQUIRED

ROOT = Path(__file__).resolve().parents[2]

BAD = [
    ("gateway", "REPORTS_GATEWAY_PORT", "http"),
    ("gateway", "REPORTS_API_KEYS", "no-tenant"),
    ("store", "REPORTS_RENDER_CAPACITY", "0"),
    ("store", "REPORTS_EVENT_LOOP", "trio"),
    ("resolver", "REPORTS_HINT_THRESHOLD", "high"),
    ("resolver", "REPORTS_TLS_DIR", "/nonexistent"),  # read when the first channel is made
    ("renderer", "REPORTS_RENDERER_CONCURRENCY", "0"),
    ("renderer", "REPORTS_LLM_PROVIDER", "acme"),
    ("webhooks", "REPORTS_WEBHOOK_TIMEOUT_S", "soon"),
    ("devllm", "DEVLLM_PORT", "70000"),
]


@pytest.fixture(scope="module")
def stopped() -> Iterator[dict[tuple[str, str], subprocess.CompletedProcess[str]]]:
    """Every case's process, all started at once (most of their time is imports)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("REPORTS_", "OPENAI_", "ANTHROPIC_", "DEVLLM_"))}
    running = {
        (service, variable): subprocess.Popen(
            [sys.executable, "-m", f"services.{service}"],
            cwd=ROOT,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**base, "PYTHONPATH": str(ROOT), **REQUIRED.get(service, {}), variable: value},
        )
        for service, variable, value in BAD
    }
    try:
        yield {case: finished(p) for case, p in running.items()}
    finally:
        for process in running.values():
            if process.poll() is None:
                process.kill()
                process.wait()


def finished(process: subprocess.Popen[str]) -> subprocess.CompletedProcess[str]:
    out, err = process.communicate(timeout=120)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


@pytest.mark.parametrize("service, variable, value", BAD)
def test_a_bad_variable_stops_the_service_with_status_2_and_one_line_naming_it(stopped, service, variable, value):
    done = stopped[service, variable]
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and done.stderr.startswith(f"{service}: cannot start: "), done.stderr
    assert variable in done.stderr
