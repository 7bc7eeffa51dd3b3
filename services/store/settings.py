from __future__ import annotations

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
    nats_url: str = defaults.NATS_URL
    listen: str = defaults.STORE_ADDR
    render_capacity: int = defaults.RENDERER_CONCURRENCY  # jobs the renderers run at once, for estimated waits
    streams: StreamSettings = StreamSettings()
    # Days new media are kept when neither the request nor the tenant says (None: until deleted).
    retention_days: int | None = None
    retention_sweep_s: float = 60.0
    retention_batch: int = 500
    # A running job unchanged this long lost its renderer: failed, its slot freed (lost_jobs.py).
    lost_job_s: float = 1800.0
    # Each tenant's cap on queued jobs (REPORTS_TENANT_LIMITS / REPORTS_DEFAULT_TENANT_LIMITS `queued`).
    tenant_limits: TenantLimits = field(default_factory=TenantLimits)
    # Jobs dispatched to the renderers at once (dispatch.py); None: render_capacity.
    dispatch_window: int | None = None

    @property
    def window(self) -> int:
        return self.dispatch_window or self.render_capacity

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> StoreSettings:
        return cls(
            database_url=env.text(environ, "REPORTS_DATABASE_URL", "") or sqlite_url(env.var_dir(environ)),
            nats_url=env.text(environ, "REPORTS_NATS_URL", cls.nats_url),
            listen=env.text(environ, "REPORTS_STORE_LISTEN", cls.listen),
            render_capacity=env.integer(environ, "REPORTS_RENDER_CAPACITY", cls.render_capacity, minimum=1),
            streams=stream_settings_from_env(environ),
            retention_days=_retention_days(environ),
            retention_sweep_s=env.number(environ, "REPORTS_RETENTION_SWEEP_S", cls.retention_sweep_s, minimum=0.01),
            retention_batch=env.integer(environ, "REPORTS_RETENTION_BATCH", cls.retention_batch, minimum=1),
            lost_job_s=env.number(environ, "REPORTS_LOST_JOB_S", cls.lost_job_s, minimum=1.0),
            tenant_limits=parse_tenant_limits(environ),
            dispatch_window=env.integer(environ, "REPORTS_DISPATCH_WINDOW", 0, minimum=1) or None,
        )


def _retention_days(environ: Mapping[str, str]) -> int | None:
    if not env.text(environ, "REPORTS_RETENTION_DAYS", ""):
        return None
    days = env.integer(environ, "REPORTS_RETENTION_DAYS", 0, minimum=1)
    if days > 3650:
        raise env.ConfigError("REPORTS_RETENTION_DAYS must be 1 to 3650")
    return days
