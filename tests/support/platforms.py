"""The whole platform as real processes (stack/platform.py) for the end-to-end tests, tuned to fail
fast: `started_platforms(root, schema)` yields a function that starts one, and stops them all after.
Each platform's SQLite database starts as a copy of the session's migrated one, so its store finds
the schema at the head instead of running every migration."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from services.store.backup import DATABASE
from stack.platform import Platform, PlatformConfig
from tests.support.databases import SchemaTemplate
from tests.support.tenants import KEYS_ENV

# Fast failure paths: small ack wait and backoff, so redeliveries happen within a test.
FAST = {
    "REPORTS_RENDERER_ACK_WAIT_S": "2",
    "REPORTS_LLM_IDLE_TIMEOUT_S": "5",
    "REPORTS_LLM_BACKOFF_MAX_S": "1",
    "REPORTS_SSE_PING_S": "1",
    # These tests poll and fuzz far faster than a tenant's default 50 requests a second; the limits
    # have their own tests (tests/integration/gateway/test_rate_limits.py).
    "REPORTS_DEFAULT_TENANT_LIMITS": "rps:100000,burst:1000000",
}


def started_platforms(root: Path, schema: SchemaTemplate) -> Iterator[Callable[..., Platform]]:
    started: list[Platform] = []

    def start(renderers: int = 1, **env: str) -> Platform:
        var_dir = root / f"platform-{len(started)}"
        var_dir.mkdir(parents=True, exist_ok=True)
        schema.at_head(f"sqlite:///{var_dir / DATABASE}")
        config = PlatformConfig(var_dir=var_dir, api_keys=KEYS_ENV, renderers=renderers, env={**FAST, **env})
        platform = Platform(config).start()
        started.append(platform)
        return platform

    yield start
    for platform in started:
        platform.stop()
