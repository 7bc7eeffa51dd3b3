from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from services.common import defaults, env
from services.common.tenant_limits import TenantLimits
from services.common.tenant_limits import parse as parse_tenant_limits
from services.gateway import api_keys
from services.gateway.connections import ConnectionLimits
from services.gateway.rate_limiter import LEASE_MOST


def _entries(raw: str) -> list[tuple[str, str, dict[str, str]]]:
    """`key=tenant;option=value,...` → [(key, tenant, {option: value})]."""
    entries = []
    for pair in filter(None, (p.strip() for p in raw.split(","))):
        key, sep, rest = pair.partition("=")
        tenant, *options = rest.split(";")
        if not sep or not key.strip() or not tenant.strip():
            raise env.ConfigError(
                f"REPORTS_API_KEYS entries look like key=tenant (or key=tenant;retentionDays=N), got {_masked(pair)!r}"
            )
        parsed = {}
        for option in options:
            name, has_value, value = option.partition("=")
            if name.strip() not in KEY_OPTIONS or not has_value:
                raise env.ConfigError(
                    f"REPORTS_API_KEYS: unknown option {name.strip()!r} for tenant "
                    f"{tenant.strip()!r}; known: {', '.join(KEY_OPTIONS)}"
                )
            parsed[name.strip()] = value.strip()
        entries.append((key.strip(), tenant.strip(), parsed))
    return entries


def _masked(pair: str) -> str:
    key, _, rest = pair.partition("=")
    return f"{key[:4]}...={rest}" if key else pair


KEY_OPTIONS = ("retentionDays",)


def parse_api_keys(raw: str) -> dict[str, str]:
    """`key=tenant,sha256:<hex>=tenant` → {"sha256:<hex>": tenant}: only the keys' digests are kept."""
    return {api_keys.hashed_form(key): tenant for key, tenant, _options in _entries(raw)}


def parse_retention_days(raw: str) -> dict[str, int]:
    """The per-tenant default retention (`key=tenant;retentionDays=N`, 1 to 3650) → {tenant: N}."""
    days: dict[str, int] = {}
    for _key, tenant, options in _entries(raw):
        if "retentionDays" not in options:
            continue
        value = options["retentionDays"]
        if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= 3650:
            raise env.ConfigError(
                f"REPORTS_API_KEYS: retentionDays for tenant {tenant!r} must be 1 to 3650, got {value!r}"
            )
        if days.get(tenant, int(value)) != int(value):
            raise env.ConfigError(f"REPORTS_API_KEYS: tenant {tenant!r} has two different retentionDays")
        days[tenant] = int(value)
    return days


@dataclass(frozen=True)
class GatewaySettings:
    api_keys: dict[str, str] = field(repr=False)  # key (or sha256:<hex>) -> tenant
    host: str = defaults.GATEWAY_HOST
    port: int = defaults.GATEWAY_PORT
    store_target: str = defaults.STORE_ADDR
    resolver_target: str = defaults.RESOLVER_ADDR
    nats_url: str = defaults.NATS_URL
    # Per-tenant default retention of new media, in days (REPORTS_API_KEYS `;retentionDays=N`).
    retention_days: dict[str, int] = field(default_factory=dict)
    api_keys_file: str | None = None  # re-read when it changes (services/gateway/api_keys.py)
    rpc_timeout_s: float = defaults.RPC_TIMEOUT_S
    job_body_limit: int = 1 * 1024 * 1024
    media_body_limit: int = 20 * 1024 * 1024
    sse_ping_s: float = 15.0
    drain_s: float = 5.0  # on SIGTERM, how long open requests and event streams may still run
    webhook_allow_private: bool = False  # development and tests only: lifts the webhook SSRF guard
    # Each tenant's request rate (REPORTS_TENANT_LIMITS / REPORTS_DEFAULT_TENANT_LIMITS); None: not limited.
    tenant_limits: TenantLimits | None = None
    rate_limit_lease: int = LEASE_MOST  # tokens a replica leases at most (rate_limiter.py); 1: none
    connection_limits: ConnectionLimits = field(default_factory=ConnectionLimits)  # connections.py
    sse_max_per_tenant: int = 100  # open event streams per tenant on this process (stream_slots.py)

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> GatewaySettings:
        keys = parse_api_keys(environ.get("REPORTS_API_KEYS", ""))
        keys_file = environ.get("REPORTS_API_KEYS_FILE", "").strip() or None
        if not keys and not keys_file:
            raise env.ConfigError(
                "no API keys: set REPORTS_API_KEYS (key=tenant pairs) or REPORTS_API_KEYS_FILE "
                "(make run sets a dev key)"
            )
        limits = ConnectionLimits()
        return cls(
            host=env.text(environ, "REPORTS_GATEWAY_HOST", cls.host),
            port=env.integer(environ, "REPORTS_GATEWAY_PORT", cls.port),
            store_target=env.text(environ, "REPORTS_STORE_ADDR", cls.store_target),
            resolver_target=env.text(environ, "REPORTS_RESOLVER_ADDR", cls.resolver_target),
            nats_url=env.text(environ, "REPORTS_NATS_URL", cls.nats_url),
            api_keys=keys,
            retention_days=parse_retention_days(environ.get("REPORTS_API_KEYS", "")),
            api_keys_file=keys_file,
            rpc_timeout_s=env.number(environ, "REPORTS_RPC_TIMEOUT_S", cls.rpc_timeout_s, minimum=0.1),
            sse_ping_s=env.number(environ, "REPORTS_SSE_PING_S", cls.sse_ping_s, minimum=0.05),
            drain_s=env.number(environ, "REPORTS_GATEWAY_DRAIN_S", cls.drain_s, minimum=0),
            webhook_allow_private=env.flag(environ, "REPORTS_WEBHOOK_ALLOW_PRIVATE"),
            tenant_limits=None if env.flag(environ, "REPORTS_TENANT_RATE_LIMIT_OFF") else parse_tenant_limits(environ),
            rate_limit_lease=env.integer(environ, "REPORTS_RATE_LIMIT_LEASE", cls.rate_limit_lease, minimum=1),
            connection_limits=ConnectionLimits(
                header_timeout_s=env.number(
                    environ, "REPORTS_GATEWAY_HEADER_TIMEOUT_S", limits.header_timeout_s, minimum=0.1
                ),
                body_timeout_s=env.number(
                    environ, "REPORTS_GATEWAY_BODY_TIMEOUT_S", limits.body_timeout_s, minimum=0.1
                ),
                max_header_bytes=env.integer(
                    environ, "REPORTS_GATEWAY_MAX_HEADER_BYTES", limits.max_header_bytes, minimum=1024
                ),
                max_connections=env.integer(
                    environ, "REPORTS_GATEWAY_MAX_CONNECTIONS", limits.max_connections, minimum=1
                ),
            ),
            sse_max_per_tenant=env.integer(environ, "REPORTS_SSE_MAX_PER_TENANT", cls.sse_max_per_tenant, minimum=1),
        )
