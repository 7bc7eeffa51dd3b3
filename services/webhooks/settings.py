from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from services.common import defaults, env
from services.common.streams import StreamSettings, stream_settings_from_env
from services.webhooks import signing
from services.webhooks.delivery import DEFAULT_SCHEDULE_S, RetryPolicy


def parse_schedule(raw: str) -> tuple[float, ...]:
    """`5,300,1800` → (5.0, 300.0, 1800.0): seconds before each retry after the first attempt."""
    try:
        delays = tuple(float(part) for part in raw.split(",") if part.strip())
    except ValueError:
        raise env.ConfigError(f"REPORTS_WEBHOOK_SCHEDULE_S is comma-separated seconds, got {raw!r}") from None
    if any(d <= 0 for d in delays):
        raise env.ConfigError(f"REPORTS_WEBHOOK_SCHEDULE_S delays must be positive, got {raw!r}")
    return delays


@dataclass(frozen=True)
class WebhookSettings:
    secret_key: bytes = field(repr=False)
    store_target: str = defaults.STORE_ADDR
    nats_url: str = defaults.NATS_URL
    listen: str = defaults.WEBHOOKS_ADDR
    policy: RetryPolicy = RetryPolicy()
    timeout_s: float = 15.0
    allow_private: bool = False
    ack_wait_s: float = 60.0
    concurrency: int = 64
    rpc_timeout_s: float = defaults.RPC_TIMEOUT_S
    streams: StreamSettings = StreamSettings()

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> WebhookSettings:
        secret = environ.get("REPORTS_WEBHOOK_SECRET", "").strip()
        if not secret:
            raise env.ConfigError(
                "REPORTS_WEBHOOK_SECRET is not set: the dispatcher signs every delivery "
                "with it (whsec_ followed by base64 of at least 16 random bytes; "
                "make run generates one)"
            )
        try:
            key = signing.parse_secret(secret)
        except ValueError as exc:
            raise env.ConfigError(f"REPORTS_WEBHOOK_SECRET is not valid: {exc}") from None
        raw_schedule = env.text(environ, "REPORTS_WEBHOOK_SCHEDULE_S", "")
        timeout_s = env.number(environ, "REPORTS_WEBHOOK_TIMEOUT_S", cls.timeout_s, minimum=0.1)
        return cls(
            secret_key=key,
            store_target=env.text(environ, "REPORTS_STORE_ADDR", cls.store_target),
            nats_url=env.text(environ, "REPORTS_NATS_URL", cls.nats_url),
            listen=env.text(environ, "REPORTS_WEBHOOKS_LISTEN", cls.listen),
            policy=RetryPolicy(
                schedule_s=parse_schedule(raw_schedule) if raw_schedule else DEFAULT_SCHEDULE_S,
                jitter=env.number(environ, "REPORTS_WEBHOOK_JITTER", RetryPolicy.jitter),
            ),
            timeout_s=timeout_s,
            allow_private=env.flag(environ, "REPORTS_WEBHOOK_ALLOW_PRIVATE"),
            ack_wait_s=env.number(
                environ, "REPORTS_WEBHOOK_ACK_WAIT_S", max(cls.ack_wait_s, 2 * timeout_s), minimum=1.0
            ),
            concurrency=env.integer(environ, "REPORTS_WEBHOOK_CONCURRENCY", cls.concurrency, minimum=1),
            rpc_timeout_s=env.number(environ, "REPORTS_RPC_TIMEOUT_S", cls.rpc_timeout_s, minimum=0.1),
            streams=stream_settings_from_env(environ),
        )
