"""NATS users with subject permissions: each service may publish and subscribe only what it must.

`make run`, `make cluster` and the end-to-end tests start nats-server with the `authorization`
block `config_text` writes (random passwords, the file readable by its owner only), and give each
service its own user in REPORTS_NATS_USER / REPORTS_NATS_PASSWORD. What the permissions say:

- only the store publishes on `reports.>` (its outbox relay: jobs, status events, webhook deliveries);
- the gateway only reads status events (a core subscription on `reports.events.>` for Prefer: wait;
  for SSE, one ordered consumer per process on JOB_EVENTS, a stream's catch-up read message by
  message, and the store's deletion notices on `reports.deleted.>`: it enforces tenancy itself) and
  reads and writes only the tenants' token buckets (the KV bucket `tenant_rate`);
- renderers only take work: their durable consumer `renderers` on JOBS (create, fetch, ack), and a
  dead job's command read back and dropped from JOBS; and read, write and watch the provider budgets
  (the KV bucket `llm_budget`: a watch is an ordered consumer on its stream);
- the dispatcher only consumes its deliveries: its durable consumer `webhooks` on WEBHOOKS (it cannot
  read JOB_EVENTS: status events of jobs without a webhook never reach it);
- nobody but the store creates, updates, deletes or purges a stream; nobody else reads a stream
  except through the consumers above (no direct get, no other consumer): the renderer and the
  dispatcher wait for the store's streams (streams.wait_for_streams) rather than make them;
- `operator` may do anything: the runner's own checks (tests, benchmarks); it is never given to a service.

A connection without a user is refused. JetStream's API is request/reply on `$JS.API.<op>.<stream>...`
with answers on `_INBOX.>`, so each service is allowed the exact API subjects it uses (nats.py sends
them; a refused request gets no answer: the client times out); acks are publishes to the message's
`$JS.ACK.<stream>.<consumer>.>` reply subject.
"""

from __future__ import annotations

import json
import os
import secrets
import string
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from services.common import streams

_JS_API = "$JS.API.>"
_API = "$JS.API"
_INBOX = "_INBOX.>"


def _durable(stream: str, name: str) -> tuple[str, ...]:
    """What one pull consumer's owner needs: create it (either form nats.py sends), read its info,
    fetch from it, and ack (ack, nak, in-progress, term) what it delivered."""
    return (
        f"{_API}.CONSUMER.DURABLE.CREATE.{stream}.{name}",
        f"{_API}.CONSUMER.CREATE.{stream}.{name}",
        f"{_API}.CONSUMER.CREATE.{stream}.{name}.>",
        f"{_API}.CONSUMER.INFO.{stream}.{name}",
        f"{_API}.CONSUMER.MSG.NEXT.{stream}.{name}",
        f"$JS.ACK.{stream}.{name}.>",
        f"{_API}.STREAM.INFO.{stream}",
    )


def _key_value(bucket: str) -> tuple[str, ...]:
    """What a user of one KV bucket needs: bind the bucket, read a key (direct get), write it."""
    kv_stream = f"KV_{bucket}"
    return (
        f"{_API}.STREAM.INFO.{kv_stream}",
        f"{_API}.DIRECT.GET.{kv_stream}.>",
        f"{_API}.STREAM.MSG.GET.{kv_stream}",
        f"$KV.{bucket}.>",
    )


def _key_value_watch(bucket: str) -> tuple[str, ...]:
    """What a watcher of one KV bucket needs besides: its ordered (ephemeral push) consumer, that
    consumer's info, and its flow control."""
    kv_stream = f"KV_{bucket}"
    return (f"{_API}.CONSUMER.CREATE.{kv_stream}", f"{_API}.CONSUMER.INFO.{kv_stream}.>", "$JS.FC.>")


def _gateway_publish() -> tuple[str, ...]:
    return (
        # SSE: a job's events read one by one, and the process's ordered (ephemeral push) consumer;
        # its flow control
        f"{_API}.STREAM.INFO.{streams.EVENTS_STREAM}",
        f"{_API}.STREAM.MSG.GET.{streams.EVENTS_STREAM}",
        f"{_API}.CONSUMER.CREATE.{streams.EVENTS_STREAM}",
        "$JS.FC.>",
        *_key_value(streams.RATE_LIMIT_BUCKET),  # the tenant token buckets
    )


def _renderer_publish() -> tuple[str, ...]:
    # A job whose renderer died on its last delivery: its command read back and dropped (worker.py).
    return (
        *_durable(streams.JOBS_STREAM, streams.RENDERER_DURABLE),
        f"{_API}.STREAM.MSG.GET.{streams.JOBS_STREAM}",
        f"{_API}.STREAM.MSG.DELETE.{streams.JOBS_STREAM}",
        *_key_value(streams.LLM_BUDGET_BUCKET),  # the provider budgets (shared_budget.py)
        *_key_value_watch(streams.LLM_BUDGET_BUCKET),  # each renderer's copy of them (budget_copies.py)
    )


def _webhooks_publish() -> tuple[str, ...]:
    return _durable(streams.WEBHOOKS_STREAM, streams.WEBHOOKS_DURABLE)


@dataclass(frozen=True)
class NatsUser:
    name: str
    password: str
    publish: tuple[str, ...]
    subscribe: tuple[str, ...]
    publish_deny: tuple[str, ...] = ()

    def permissions(self) -> dict[str, object]:
        publish: dict[str, list[str]] = {"allow": list(self.publish)}
        if self.publish_deny:
            publish["deny"] = list(self.publish_deny)
        return {"publish": publish, "subscribe": {"allow": list(self.subscribe)}}


def generate() -> dict[str, NatsUser]:
    """Every service's user (and the operator's), with fresh random passwords."""

    def password() -> str:
        # A letter first: nats-server parses a `$VARIABLE` password (deploy/nats/auth.conf) as a
        # value of its config language, where a leading `-` or digit is not a string.
        return secrets.choice(string.ascii_letters) + secrets.token_urlsafe(24)

    advisory = f"$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.{streams.JOBS_STREAM}.>"
    users = [
        NatsUser("store", password(), ("reports.>", _JS_API), (_INBOX,)),
        NatsUser(
            "gateway", password(), _gateway_publish(), (_INBOX, streams.EVENTS_SUBJECTS, streams.DELETED_SUBJECTS)
        ),
        NatsUser("renderer", password(), _renderer_publish(), (_INBOX, advisory)),
        NatsUser("webhooks", password(), _webhooks_publish(), (_INBOX,)),
        NatsUser("operator", password(), (">",), (">",)),
    ]
    return {user.name: user for user in users}


def config_text(users: dict[str, NatsUser]) -> str:
    """nats-server's `authorization` block (its config format accepts JSON values)."""
    entries = [{"user": u.name, "password": u.password, "permissions": u.permissions()} for u in users.values()]
    return f"authorization {{\n  users = {json.dumps(entries, indent=2)}\n}}\n"


COMPOSE_SERVICES = ("store", "gateway", "renderer", "webhooks")


def password_variable(service: str) -> str:
    """The variable holding a service's NATS password in Docker Compose and Kubernetes' Secret."""
    return f"NATS_PASSWORD_{service.upper()}"


def compose_config_text() -> str:
    """deploy/nats/auth.conf: the services' users and permissions, each password a reference to its
    `NATS_PASSWORD_<SERVICE>` variable, which nats-server reads from its environment at start (and
    refuses to start without)."""
    users = {name: user for name, user in generate().items() if name in COMPOSE_SERVICES}
    text = "# Generated by `python -m stack.nats_auth --compose`; do not edit (tests/unit/deploy checks it).\n"
    text += config_text(
        {
            name: NatsUser(u.name, "@" + password_variable(name), u.publish, u.subscribe, u.publish_deny)
            for name, u in users.items()
        }
    )
    for name in users:
        text = text.replace(f'"@{password_variable(name)}"', f"${password_variable(name)}")
    return text


def write_config(path: Path, users: dict[str, NatsUser]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(config_text(users))
    return path


def read_config(path: Path) -> dict[str, NatsUser]:
    """The users of a config `write_config` wrote (its `users = [...]` is JSON)."""
    text = path.read_text(encoding="utf-8")
    entries = json.loads(text[text.index("=") + 1 : text.rindex("}")])
    return {
        e["user"]: NatsUser(
            e["user"],
            e["password"],
            tuple(e["permissions"]["publish"]["allow"]),
            tuple(e["permissions"]["subscribe"]["allow"]),
            tuple(e["permissions"]["publish"].get("deny", ())),
        )
        for e in entries
    }


def operator_env(config: Path, environ: Mapping[str, str]) -> dict[str, str]:
    """REPORTS_NATS_USER / REPORTS_NATS_PASSWORD of the operator of the NATS that `make run` started
    with `config`, for an operator command (`make backup`); nothing when `environ` names a user
    already or there is no such config (NATS without users, or your own)."""
    if environ.get("REPORTS_NATS_USER") or not config.exists():
        return {}
    return service_env(read_config(config), "operator")


def with_user(url: str, user: NatsUser) -> str:
    """`nats://host:port[,...]` with the user's credentials in each URL (for the runner's own clients)."""
    return ",".join(part.replace("nats://", f"nats://{user.name}:{user.password}@", 1) for part in url.split(","))


def service_env(users: dict[str, NatsUser], service: str) -> dict[str, str]:
    user = users.get(service)
    return {} if user is None else {"REPORTS_NATS_USER": user.name, "REPORTS_NATS_PASSWORD": user.password}


def main(argv: list[str]) -> None:
    generated = generate()
    if argv == ["--compose"]:  # deploy/nats/auth.conf
        print(compose_config_text(), end="")
    elif argv == ["--env"]:  # fresh passwords for Docker Compose: `>> deploy/.env`
        for name in COMPOSE_SERVICES:
            print(f"{password_variable(name)}={generated[name].password}")
    elif not argv:  # for your own NATS (Kubernetes: the chart's config, and reports-secrets)
        print(config_text(generated))
        for user in generated.values():
            print(f"# {password_variable(user.name)}={user.password}")
    else:
        sys.exit("usage: python -m stack.nats_auth [--compose | --env]")


if __name__ == "__main__":
    main(sys.argv[1:])
