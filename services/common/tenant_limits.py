"""Each tenant's limits, from REPORTS_TENANT_LIMITS and REPORTS_DEFAULT_TENANT_LIMITS.

    REPORTS_DEFAULT_TENANT_LIMITS="rps:50,burst:100,inflight:32,queued:10000"   (these are the defaults)
    REPORTS_TENANT_LIMITS="tenant-c=rps:5,burst:10,inflight:2,queued:20;tenant-d=queued:100"

A named tenant's entry overrides only the limits it names; the rest come from the defaults.
`rps` (a positive number) and `burst` (a positive integer) shape the gateway's token bucket
(services/gateway/rate_limiter.py); `queued` caps the tenant's jobs waiting to render (the store
refuses one more); `inflight` caps the jobs rendering at once. Anything else is a ConfigError at
start-up, naming the variable, the tenant and the value.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from services.common.env import ConfigError

DEFAULT_VAR = "REPORTS_DEFAULT_TENANT_LIMITS"
TENANTS_VAR = "REPORTS_TENANT_LIMITS"
_INTEGER = re.compile(r"^[0-9]{1,9}$")
_NUMBER = re.compile(r"^[0-9]{1,9}(\.[0-9]{1,6})?$")
_MAX_ENTRIES = 10_000


@dataclass(frozen=True)
class Limits:
    rps: float = 50.0
    burst: int = 100
    inflight: int = 32
    queued: int = 10_000


@dataclass(frozen=True)
class TenantLimits:
    default: Limits = Limits()
    tenants: dict[str, Limits] = field(default_factory=dict)

    def of(self, tenant: str) -> Limits:
        return self.tenants.get(tenant, self.default)


def _value(var: str, who: str, name: str, raw: str) -> float | int:
    if name == "rps":
        if not _NUMBER.match(raw) or not math.isfinite(float(raw)) or float(raw) <= 0:
            raise ConfigError(f"{var}: rps for {who} must be a positive number (at most 6 decimals), got {raw!r}")
        return float(raw)
    if not _INTEGER.match(raw) or int(raw) < 1:
        raise ConfigError(f"{var}: {name} for {who} must be a positive integer, got {raw!r}")
    return int(raw)


def _limits(var: str, who: str, text: str, base: Limits) -> Limits:
    """`rps:5,burst:10` over `base`."""
    known = ("rps", "burst", "inflight", "queued")
    seen: dict[str, float | int] = {}
    for part in text.split(","):
        name, sep, raw = part.strip().partition(":")
        name = name.strip()
        if not sep or name not in known:
            raise ConfigError(
                f"{var}: {who} has {part.strip()!r}; limits look like name:value with a name among {', '.join(known)}"
            )
        if name in seen:
            raise ConfigError(f"{var}: {who} names {name} twice")
        seen[name] = _value(var, who, name, raw.strip())
    return Limits(
        rps=float(seen.get("rps", base.rps)),
        burst=int(seen.get("burst", base.burst)),
        inflight=int(seen.get("inflight", base.inflight)),
        queued=int(seen.get("queued", base.queued)),
    )


def parse(environ: Mapping[str, str]) -> TenantLimits:
    default_text = environ.get(DEFAULT_VAR, "").strip()
    default = _limits(DEFAULT_VAR, "the default", default_text, Limits()) if default_text else Limits()
    tenants: dict[str, Limits] = {}
    raw = environ.get(TENANTS_VAR, "").strip()
    entries = [e for e in (p.strip() for p in raw.split(";")) if e] if raw else []
    if len(entries) > _MAX_ENTRIES:
        raise ConfigError(f"{TENANTS_VAR}: at most {_MAX_ENTRIES} tenants, got {len(entries)}")
    for entry in entries:
        tenant, sep, text = entry.partition("=")
        tenant = tenant.strip()
        if not sep or not tenant or not text.strip():
            raise ConfigError(
                f"{TENANTS_VAR} entries look like tenant=rps:5,burst:10 separated by ';', got {entry[:80]!r}"
            )
        if tenant in tenants:
            raise ConfigError(f"{TENANTS_VAR}: tenant {tenant!r} is named twice")
        tenants[tenant] = _limits(TENANTS_VAR, f"tenant {tenant!r}", text, default)
    return TenantLimits(default, tenants)
