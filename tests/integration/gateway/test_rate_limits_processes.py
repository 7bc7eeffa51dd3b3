"""Two gateway processes (`python -m services.gateway`, configured by the environment as in
production) against one nats-server spend one tenant's bucket together.

No store is needed: the limit is spent before any route runs, so an unknown /v1 path (a 404) costs
a token like any other request, and its answer carries the RateLimit fields.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.common import streams
from stack.nats_server import NatsServer
from stack.processes import ManagedProcess
from tests.integration.helpers import assert_error
from tests.support import plain_http
from tests.support.polling import until

AUTH = {"Authorization": "Bearer key-c"}


@pytest.fixture
async def buckets(nats_server: NatsServer) -> None:
    """The KV bucket the store makes at start (its outbox relay runs ensure_streams)."""
    nc = await streams.connect(nats_server.url, "test")
    try:
        await streams.ensure_streams(nc.jetstream(), streams.StreamSettings())
    finally:
        await nc.close()


@pytest.fixture
def gateways(nats_server: NatsServer, buckets: None, tmp_path: Path) -> Iterator[list[str]]:
    env = {
        **os.environ,
        "REPORTS_GATEWAY_PORT": "0",
        "REPORTS_NATS_URL": nats_server.url,
        "REPORTS_STORE_ADDR": "127.0.0.1:1",
        "REPORTS_RESOLVER_ADDR": "127.0.0.1:1",
        "REPORTS_API_KEYS": "key-c=tenant-c,key-d=tenant-d",
        "REPORTS_GRPC_INSECURE": "1",
        "REPORTS_TENANT_LIMITS": "tenant-c=rps:0.001,burst:5",
        "REPORTS_DEFAULT_TENANT_LIMITS": "rps:0.001,burst:50",
    }
    started = []
    try:
        for n in range(2):
            gateway = ManagedProcess(
                f"gateway-{n}",
                [sys.executable, "-m", "services.gateway"],
                env=env,
                log_path=tmp_path / f"gateway-{n}.log",
            ).start()
            started.append(gateway)
        urls = []
        for gateway in started:
            port = gateway.wait_for(r'"http_port": (\d+)').group(1)
            urls.append(f"http://127.0.0.1:{port}")
        yield urls
    finally:
        for gateway in started:
            gateway.stop()


async def nats_connected(url: str) -> None:
    async def ready() -> bool:
        async with plain_http.async_client() as client:
            return bool((await client.get(f"{url}/readyz")).json()["checks"]["nats"])

    await until(ready)


async def test_two_gateway_processes_spend_one_bucket(gateways):
    for url in gateways:
        await nats_connected(url)
    async with plain_http.async_client(headers=AUTH) as client:
        answers = [await client.get(f"{gateways[i % 2]}/v1/no-such-thing") for i in range(5)]
        assert [r.status_code for r in answers] == [404] * 5
        assert [r.headers["ratelimit-remaining"] for r in answers] == ["4", "3", "2", "1", "0"]
        for url in gateways:
            refused = await client.get(f"{url}/v1/jobs")
            assert_error(refused, 429, "rate_limited")
            assert re.fullmatch(r"[1-9][0-9]*", refused.headers["retry-after"])
        other = await client.get(f"{gateways[1]}/v1/no-such-thing", headers={"Authorization": "Bearer key-d"})
        assert other.status_code == 404 and other.headers["ratelimit-remaining"] == "49"


def test_a_malformed_limit_stops_the_gateway_at_start_with_one_clear_line(tmp_path: Path):
    env = {**os.environ, "REPORTS_API_KEYS": "k=t", "REPORTS_TENANT_LIMITS": "tenant-c=rps:fast"}
    gateway = ManagedProcess(
        "gateway", [sys.executable, "-m", "services.gateway"], env=env, log_path=tmp_path / "gateway.log"
    ).start()
    assert gateway.proc is not None
    gateway.wait_for(
        r"cannot start: REPORTS_TENANT_LIMITS: rps for tenant 'tenant-c' must be a positive number", timeout=60
    )
    assert gateway.proc.wait(timeout=60) == 2
    assert "Traceback" not in gateway.log_path.read_text()
