from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from services.common import defaults, env
from services.common.streams import StreamSettings, stream_settings_from_env
from services.common.tenant_limits import TenantLimits
from services.common.tenant_limits import parse as parse_tenant_limits
from services.store.db import sqlite_url


@dataclass(frozen=True)
class StoreSettings:
    database_url: str
    nats_url: str
    listen: str
    render_capacity: int
    streams: StreamSettings
    # Days new media are kept when neither the request nor the tenant says (None: until deleted).
    retention_days: int | None = None
    retention_sweep_s: float = 60.0
    retention_batch: int = 500
    # A running job unchanged this long lost its renderer: failed, its slot freed (lost_jobs.py).
    lost_job_s: float = 1800.0
    # Each tenant's cap on queued jobs (REPORTS_TENANT_LIMITS / REPORTS_DEFAULT_TENANT_LIMITS `queued`).
    tenant_limits: TenantLimits = field(default_factory=TenantLimits)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> StoreSettings:
        e = os.environ if environ is None else environ
        return cls(
            database_url=env.text(e, "REPORTS_DATABASE_URL", "") or sqlite_url(env.var_dir(e)),
            nats_url=env.text(e, "REPORTS_NATS_URL", defaults.NATS_URL),
            listen=env.text(e, "REPORTS_STORE_LISTEN", defaults.STORE_ADDR),
            render_capacity=env.integer(e, "REPORTS_RENDER_CAPACITY", 16, minimum=1),
            streams=stream_settings_from_env(e),
            retention_days=_retention_days(e),
            retention_sweep_s=env.number(e, "REPORTS_RETENTION_SWEEP_S", 60.0, minimum=0.01),
            retention_batch=env.integer(e, "REPORTS_RETENTION_BATCH", 500, minimum=1),
            lost_job_s=env.number(e, "REPORTS_LOST_JOB_S", 1800.0, minimum=1.0),
            tenant_limits=parse_tenant_limits(e),
        )


def _retention_days(e: Mapping[str, str]) -> int | None:
    if not env.text(e, "REPORTS_RETENTION_DAYS", ""):
        return None
    days = env.integer(e, "REPORTS_RETENTION_DAYS", 0, minimum=1)
    if days > 3650:
        raise env.ConfigError("REPORTS_RETENTION_DAYS must be 1 to 3650")
    return days
