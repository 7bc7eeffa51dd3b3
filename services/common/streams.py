"""The JetStream layout every service agrees on, and connecting to NATS."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass

import nats.errors
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import BadRequestError, NotFoundError, ServiceUnavailableError

log = logging.getLogger(__name__)

JOBS_STREAM = "JOBS"
RENDER_SUBJECT = "reports.jobs.render"
EVENTS_STREAM = "JOB_EVENTS"
EVENTS_SUBJECTS = "reports.events.>"
# A deleted job's events have been purged (core NATS, stored nowhere): its SSE streams end.
DELETED_SUBJECTS = "reports.deleted.>"
RENDERER_DURABLE = "renderers"
# Webhook deliveries: the terminal event of a job that has a webhook (written by the store with the
# transition that ends the job), and redeliveries a client asked for (the job's last event again).
# Outside JOB_EVENTS, so SSE never repeats them and the dispatcher reads only the jobs that have a
# webhook, with one durable consumer named "webhooks".
WEBHOOKS_STREAM = "WEBHOOKS"
WEBHOOKS_SUBJECTS = "reports.webhooks.>"
WEBHOOKS_DURABLE = "webhooks"
# The gateways' shared token buckets (services/gateway/rate_limiter.py): a JetStream KV bucket, one
# key per tenant, its last value only; a key idle for a day expires: its bucket is full again by then
# whenever burst/rps is under a day (a slower bucket, e.g. rps:0.001,burst:100, refills early after a day idle).
RATE_LIMIT_BUCKET = "tenant_rate"
RATE_LIMIT_TTL_S = 24 * 3600.0
# The renderers' shared provider budgets (services/renderer/shared_budget.py): one key per provider
# and model, holding its call schedule; a key idle for a day expires (its schedule is long past).
LLM_BUDGET_BUCKET = "llm_budget"
MSG_ID_HEADER = "Nats-Msg-Id"
REQUEST_ID_HEADER = "X-Request-Id"


def event_subject(job_id: str) -> str:
    return f"reports.events.{job_id}"


def deleted_subject(job_id: str) -> str:
    return f"reports.deleted.{job_id}"


def webhook_deliver_subject(job_id: str) -> str:
    return f"reports.webhooks.deliver.{job_id}"


def webhook_redeliver_subject(job_id: str) -> str:
    return f"reports.webhooks.redeliver.{job_id}"


def webhook_subjects(job_id: str) -> list[str]:
    """Every subject of WEBHOOKS that carries this job's deliveries."""
    return [webhook_deliver_subject(job_id), webhook_redeliver_subject(job_id)]


@dataclass(frozen=True)
class StreamSettings:
    replicas: int = 1
    events_max_age_s: float = 7 * 24 * 3600
    duplicate_window_s: float = 120.0


def stream_configs(settings: StreamSettings) -> list[StreamConfig]:
    return [
        StreamConfig(
            name=JOBS_STREAM,
            subjects=["reports.jobs.>"],
            retention=RetentionPolicy.WORK_QUEUE,
            storage=StorageType.FILE,
            num_replicas=settings.replicas,
            duplicate_window=settings.duplicate_window_s,
        ),
        StreamConfig(
            name=EVENTS_STREAM,
            subjects=[EVENTS_SUBJECTS],
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            num_replicas=settings.replicas,
            max_age=settings.events_max_age_s,
            duplicate_window=settings.duplicate_window_s,
            allow_direct=True,
        ),
        StreamConfig(
            name=WEBHOOKS_STREAM,
            subjects=[WEBHOOKS_SUBJECTS],
            retention=RetentionPolicy.WORK_QUEUE,
            storage=StorageType.FILE,
            num_replicas=settings.replicas,
            max_age=settings.events_max_age_s,
            duplicate_window=settings.duplicate_window_s,
        ),
        _key_value(RATE_LIMIT_BUCKET, settings),
        _key_value(LLM_BUDGET_BUCKET, settings),
    ]


def _key_value(bucket: str, settings: StreamSettings) -> StreamConfig:
    """What nats.py's create_key_value makes, spelled out so ensure_streams keeps it current: the last
    value of each key, kept a day."""
    return StreamConfig(
        name=f"KV_{bucket}",
        subjects=[f"$KV.{bucket}.>"],
        retention=RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        num_replicas=settings.replicas,
        max_msgs_per_subject=1,
        max_age=RATE_LIMIT_TTL_S,
        discard=DiscardPolicy.NEW,
        allow_rollup_hdrs=True,
        deny_delete=True,
        allow_direct=True,
        duplicate_window=settings.duplicate_window_s,
    )


async def ensure_streams(js: JetStreamContext, settings: StreamSettings) -> None:
    """Creates the streams, or brings an existing one to this configuration. Safe to race."""
    for config in stream_configs(settings):
        try:
            await js.add_stream(config)
        except BadRequestError:
            await js.update_stream(config)


async def wait_for_streams(js: JetStreamContext, names: tuple[str, ...], poll_s: float = 0.2) -> None:
    """Returns once every stream in `names` exists. For services that only use the streams: the store
    makes them (ensure_streams), and no other NATS user may create or change a stream (stack/nats_auth.py)."""
    for name in names:
        while True:
            try:
                await js.stream_info(name)
                break
            except NotFoundError:
                log.info("waiting for the store to create stream %s", name)
                await asyncio.sleep(poll_s)  # polls the condition: the stream exists
            except (nats.errors.TimeoutError, ServiceUnavailableError) as exc:
                # A JetStream cluster electing a leader (a node just restarted) answers late or 503.
                log.warning("JetStream did not answer about stream %s (%s); asking again", name, type(exc).__name__)
                await asyncio.sleep(poll_s)


def nats_credentials(environ: Mapping[str, str]) -> dict[str, str]:
    """{"user", "password"} from REPORTS_NATS_USER / REPORTS_NATS_PASSWORD; {} when no user is set."""
    if not environ.get("REPORTS_NATS_USER"):
        return {}
    return {"user": environ["REPORTS_NATS_USER"], "password": environ.get("REPORTS_NATS_PASSWORD", "")}


async def connect(url: str, name: str) -> NatsClient:
    """A connection that reconnects forever; the first connect, too, tries until NATS answers.

    As the user REPORTS_NATS_USER / REPORTS_NATS_PASSWORD name, when set (stack/nats_auth.py).
    Cancelled half-way (a shutdown while NATS is down or slow), it closes the socket it holds.
    """
    credentials = nats_credentials(os.environ)

    async def disconnected() -> None:
        log.warning("nats disconnected", extra={"service": name})

    async def reconnected() -> None:
        log.info("nats reconnected", extra={"service": name})

    async def error(exc: Exception) -> None:
        log.debug("nats error: %s", exc)

    client = NatsClient()
    try:
        await client.connect(
            servers=url.split(","),
            name=name,
            connect_timeout=2,
            max_reconnect_attempts=-1,
            reconnect_time_wait=0.5,  # type: ignore[arg-type]  # annotated int; any number of seconds works
            disconnected_cb=disconnected,
            reconnected_cb=reconnected,
            error_cb=error,
            user=credentials.get("user"),
            password=credentials.get("password"),
        )
    except BaseException:
        with contextlib.suppress(Exception):
            await client.close()
        raise
    return client


def stream_settings_from_env(environ: Mapping[str, str]) -> StreamSettings:
    from services.common import env

    return StreamSettings(
        replicas=env.integer(environ, "REPORTS_STREAM_REPLICAS", StreamSettings.replicas, minimum=1),
        events_max_age_s=env.number(environ, "REPORTS_EVENTS_MAX_AGE_S", StreamSettings.events_max_age_s, minimum=60),
    )
