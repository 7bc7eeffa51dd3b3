"""The dev LLM as a real process on a free port, for tests that call it without a whole platform.

with running_devllm() as url:            # "http://127.0.0.1:PORT"
    openai.OpenAI(base_url=f"{url}/v1", api_key="dev")
    anthropic.Anthropic(base_url=url, api_key="dev")
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from stack.processes import ManagedProcess

ROOT = Path(__file__).resolve().parents[2]
LISTENING = r"devllm listening on (http://\S+)"


@contextmanager
def running_devllm(env: Mapping[str, str] | None = None, start_timeout_s: float = 20.0) -> Iterator[str]:
    """`python -m services.devllm` on a free port; yields its base URL, stops it on exit."""
    with tempfile.TemporaryDirectory(prefix="devllm-") as logs:
        process = ManagedProcess(
            "devllm",
            [sys.executable, "-m", "services.devllm"],
            cwd=ROOT,
            log_path=Path(logs) / "devllm.log",
            env={**os.environ, "PYTHONPATH": str(ROOT), "DEVLLM_HOST": "127.0.0.1", "DEVLLM_PORT": "0", **(env or {})},
        ).start()
        try:
            yield process.wait_for(LISTENING, start_timeout_s).group(1)
        finally:
            process.stop()
