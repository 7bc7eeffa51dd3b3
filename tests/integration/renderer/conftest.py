"""The dev LLM as a real process on an ephemeral port, shared by this package's tests, and a NATS
client on the test's nats-server with the streams and KV buckets made.

Tests keep their conversations apart (the dev LLM counts `fail=MODE*N` per conversation) by
giving each its own media title.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import nats
import pytest
from nats.aio.client import Client as NatsClient

from services.common import streams

ROOT = Path(__file__).resolve().parents[3]
LISTENING = re.compile(r"devllm listening on (http://\S+)")
START_TIMEOUT_S = 20.0


class DevLlm:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self._found = threading.Event()
        self.url = ""
        self.process = subprocess.Popen(
            [sys.executable, "-m", "services.devllm"],
            cwd=ROOT,
            env={**os.environ, "DEVLLM_PORT": "0", "DEVLLM_HOST": "127.0.0.1"},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)
            match = LISTENING.search(line)
            if match and not self._found.is_set():
                self.url = match.group(1)
                self._found.set()

    def wait_ready(self) -> DevLlm:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self._found.wait(0.05):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("dev LLM did not start:\n" + "".join(self.lines))
        return self

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture(scope="package")
def devllm() -> Iterator[DevLlm]:
    server = DevLlm().wait_ready()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def nc(nats_server) -> AsyncIterator[NatsClient]:
    client = await nats.connect(nats_server.url)
    await streams.ensure_streams(client.jetstream(), streams.StreamSettings())
    try:
        yield client
    finally:
        await client.close()
