"""The README runs as written: its walkthrough, SDK and CLI blocks against the stack `make run` starts.

The stack is `python -m stack`, which is all `make run` does after installing, started in a folder
of its own (with `examples/` and `.venv` linked in, as in a checkout) on free ports. The blocks
(see `tests/support/readme_blocks.py`) run in one bash session, in README order, with one change:
the gateway's address, `http://127.0.0.1:8080` in the README, is the one this stack listens on.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from stack.processes import ManagedProcess, free_port
from tests.support.readme_blocks import Block, differences, runnable

ROOT = Path(__file__).resolve().parents[2]
README_URL = "http://127.0.0.1:8080"
SEPARATOR = "@@ README block done @@"


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("checkout")
    for name in ("examples", ".venv"):
        (folder / name).symlink_to(ROOT / name)
    return folder


@dataclass(frozen=True)
class MadeRun:
    url: str
    banner: str


@pytest.fixture(scope="module")
def made_run(folder: Path) -> Iterator[MadeRun]:
    environ = {
        k: v for k, v in os.environ.items() if not k.startswith(("REPORTS_", "OPENAI_", "ANTHROPIC_", "DEVLLM_"))
    }
    port = free_port()
    environ.update(
        {
            "PYTHONPATH": str(ROOT),
            "REPORTS_GATEWAY_PORT": str(port),
            "REPORTS_NATS_PORT": str(free_port()),
            "DEVLLM_PORT": str(free_port()),
            **{
                f"REPORTS_{name}_LISTEN": f"127.0.0.1:{free_port()}"
                for name in ("STORE", "RESOLVER", "RENDERER", "WEBHOOKS")
            },
        }
    )
    stack = ManagedProcess(
        "make-run", [sys.executable, "-m", "stack"], env=environ, cwd=folder, log_path=folder / "make-run.log"
    ).start()
    try:
        stack.wait_for("Ctrl-C stops everything", timeout=120)
        banner = (folder / "make-run.log").read_text()
        yield MadeRun(f"http://127.0.0.1:{port}", banner[banner.index("reports platform is up") :])
    finally:
        stack.stop(timeout=30)


def _script(blocks: list[Block], gateway_url: str) -> str:
    parts = ["set -euo pipefail"]
    for block in blocks:
        body = block.body.replace(README_URL, gateway_url)
        if block.lang == "python":
            body = f"python3 - <<'README_PYTHON'\n{body}README_PYTHON\n"
        parts += [f"# README line {block.line}", body, f"echo '{SEPARATOR}'; echo '{SEPARATOR}' >&2"]
    return "\n".join(parts) + "\n"


def test_the_readme_blocks_run_as_written_and_answer_as_shown(folder: Path, made_run: MadeRun):
    blocks = runnable((ROOT / "README.md").read_text())
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("REPORTS_", "VIRTUAL_ENV"))}
    # a shell as a newcomer has it: the system's python3 first, not the one running this test
    environ["PATH"] = os.pathsep.join(
        p
        for p in environ.get("PATH", "").split(os.pathsep)
        if Path(p).resolve() != Path(sys.executable).parent.resolve()
    )
    result = subprocess.run(
        ["bash", "-c", _script(blocks, made_run.url)],
        cwd=folder,
        env=environ,
        capture_output=True,
        text=True,
        timeout=600,
    )
    outputs = result.stdout.split(SEPARATOR + "\n")
    errors = result.stderr.split(SEPARATOR + "\n")
    assert result.returncode == 0, (
        f"README line {blocks[len(outputs) - 1].line} failed ({result.returncode}):\n"
        f"{errors[-1][-3000:]}\n--- its output:\n{outputs[-1][-2000:]}"
    )
    assert len(outputs) == len(blocks) + 1
    problems = [
        f"README line {block.line}: {problem}"
        for block, output in zip(blocks, outputs, strict=False)
        if block.answer is not None
        for problem in differences(block.answer, output)
    ]
    assert problems == [], "\n".join(problems)
    assert "Traceback" not in result.stderr


def test_the_banner_names_the_dev_llm_and_its_curl_runs_as_printed(folder: Path, made_run: MadeRun):
    assert re.search(
        r"\n  llm +dev LLM \(dev-llm through the openai SDK\) at http://127\.0\.0\.1:\d+: "
        r"placeholder reports; set OPENAI_API_KEY or ANTHROPIC_API_KEY for real ones\n",
        made_run.banner,
    )
    curl = made_run.banner.split("try it", 1)[1].split("\n", 1)[1].split("\n\n", 1)[0]
    result = subprocess.run(["bash", "-c", curl], cwd=folder, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    media = json.loads(result.stdout)
    assert media["title"] == "Pricing call with Northwind" and len(media["entities"]) == 2
