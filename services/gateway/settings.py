from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from services.common import env


def parse_api_keys(raw: str) -> dict[str, str]:
    """`key=tenant,key=tenant` → {key: tenant}."""
    keys: dict[str, str] = {}
    for pair in filter(None, (p.strip() for p in raw.split(","))):
        key, sep, tenant = pair.partition("=")
        if not sep or not key.strip() or not tenant.strip():
            raise env.ConfigError(f"REPORTS_API_KEYS entries look like key=tenant, got {pair!r}")
        keys[key.strip()] = tenant.strip()
    return keys


@dataclass(frozen=True)
class GatewaySettings:
    host: str
    port: int
    store_target: str
    resolver_target: str
    nats_url: str
    api_keys: dict[str, str] = field(repr=False)
    rpc_timeout_s: float = 10.0
    job_body_limit: int = 1 * 1024 * 1024
    media_body_limit: int = 20 * 1024 * 1024
    sse_ping_s: float = 15.0
    webhook_allow_private: bool = False  # development and tests only: lifts the webhook SSRF guard

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> GatewaySettings:
        e = os.environ if environ is None else environ
        keys = parse_api_keys(e.get("REPORTS_API_KEYS", ""))
        if not keys:
            raise env.ConfigError("REPORTS_API_KEYS is empty: set key=tenant pairs (make run sets a dev key)")
        return cls(
            host=env.text(e, "REPORTS_GATEWAY_HOST", "127.0.0.1"),
            port=env.integer(e, "REPORTS_GATEWAY_PORT", 8080),
            store_target=env.text(e, "REPORTS_STORE_ADDR", "127.0.0.1:50051"),
            resolver_target=env.text(e, "REPORTS_RESOLVER_ADDR", "127.0.0.1:50052"),
            nats_url=env.text(e, "REPORTS_NATS_URL", "nats://127.0.0.1:4333"),
            api_keys=keys,
            rpc_timeout_s=env.number(e, "REPORTS_RPC_TIMEOUT_S", 10.0, minimum=0.1),
            sse_ping_s=env.number(e, "REPORTS_SSE_PING_S", 15.0, minimum=0.05),
            webhook_allow_private=env.flag(e, "REPORTS_WEBHOOK_ALLOW_PRIVATE"),
        )
