"""The gateway's Starlette application: routes, error handlers, and the backends' lifespan."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from nats.aio.client import Client as NatsClient
from starlette.applications import Starlette
from starlette.middleware import Middleware

from services.domain import ssrf
from services.gateway.api_keys import ApiKeys, parse_entries
from services.gateway.backends import Backends
from services.gateway.errors import EXCEPTION_HANDLERS
from services.gateway.event_fanout import EventFanout
from services.gateway.job_waits import JobWaits
from services.gateway.rate_limiter import SharedRateLimiter
from services.gateway.rate_limits import RateLimitMiddleware
from services.gateway.request_ids import RequestIdMiddleware
from services.gateway.routes import docs, events, health, jobs, lifecycle, media, reports, usage, viewer
from services.gateway.routes import webhooks as webhook_routes
from services.gateway.settings import GatewaySettings
from services.gateway.stream_slots import StreamSlots
from services.gateway.telemetry import TelemetryMiddleware


def create_app(settings: GatewaySettings, webhook_resolver: ssrf.Resolver = ssrf.system_resolver) -> Starlette:
    """The gateway app. `webhook_resolver` answers which addresses a webhook's host names when a
    job is created (the SSRF check): the system's DNS, or a fixed table in tests."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.backends = Backends.open(settings.store_target, settings.resolver_target, settings.nats_url)
        try:
            yield
        finally:
            await app.state.backends.close()

    app = Starlette(
        routes=[
            *health.routes,
            *media.routes,
            *jobs.routes,
            *reports.routes,
            *events.routes,
            *lifecycle.routes,
            *usage.routes,
            *viewer.routes,
            *webhook_routes.routes,
            *docs.routes,
        ],
        middleware=[Middleware(RequestIdMiddleware), Middleware(TelemetryMiddleware), Middleware(RateLimitMiddleware)],
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.webhook_resolver = webhook_resolver
    app.state.stream_slots = StreamSlots(settings.sse_max_per_tenant)
    app.state.api_keys = ApiKeys(
        parse_entries([f"{key}={tenant}" for key, tenant in settings.api_keys.items()], "api keys"),
        Path(settings.api_keys_file) if settings.api_keys_file else None,
    )
    app.state.event_fanout = EventFanout()  # SSE and `Prefer: wait`: one subscription per process
    app.state.job_waits = JobWaits(app.state.event_fanout)  # GET /v1/jobs/{id} with `Prefer: wait`
    if settings.tenant_limits is not None:  # each tenant's request rate, shared by every replica

        def nats() -> NatsClient | None:
            backends = getattr(app.state, "backends", None)
            return backends.nats if backends is not None else None

        app.state.rate_limiter = SharedRateLimiter(nats, settings.tenant_limits, lease_most=settings.rate_limit_lease)
    return app
