"""The production-shaped cluster (stack/cluster.py) for `make test-cluster`; `make test` deselects these."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from stack.cluster import DEFAULT_POSTGRES_URL, Cluster, ClusterConfig

KEYS = "key-a=tenant-a"

# LLM latency (300 ms a call), so jobs are in flight when things die; a short ack wait, so a killed
# renderer's jobs come back within the test; SSE pings each second.
CLUSTER_ENV = {
    "REPORTS_LLM_MODEL": "dev-llm+latency=300",
    "REPORTS_RENDERER_ACK_WAIT_S": "5",
    "REPORTS_RENDERER_CONCURRENCY": "4",
    "REPORTS_LLM_IDLE_TIMEOUT_S": "10",
    "REPORTS_LLM_BACKOFF_MAX_S": "1",
    "REPORTS_SSE_PING_S": "1",
    "REPORTS_RPC_TIMEOUT_S": "10",
    # Failover under load, not tenant limits (tests/integration/gateway/test_rate_limits.py has those).
    "REPORTS_DEFAULT_TENANT_LIMITS": "rps:100000,burst:1000000",
}


def postgres_server_url() -> str:
    url = os.environ.get("REPORTS_TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL
    try:
        psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), connect_timeout=5).close()
    except psycopg.Error as exc:
        pytest.fail(f"the cluster test needs a PostgreSQL server it may create databases on ({url}): {exc}")
    return url


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    config = ClusterConfig(var_dir=tmp_path, api_keys=KEYS, postgres_url=postgres_server_url(), env=CLUSTER_ENV)
    running = Cluster(config).start()
    try:
        yield running
    finally:
        running.stop()
