"""Which secrets each service may see: a child process gets only the ones it reads.

`make run`, `make cluster` and the tests build one environment for every service (the runner's own,
plus what the stack adds); before a service starts, the secrets it does not read are taken out.
Secrets travel in the environment only, never on a command line (which `ps` shows every user).
Each service's NATS password and TLS directory are added per service, after this.
"""

from __future__ import annotations

from collections.abc import Mapping

SECRETS: dict[str, frozenset[str]] = {
    "REPORTS_API_KEYS": frozenset({"gateway"}),
    "REPORTS_API_KEYS_FILE": frozenset({"gateway"}),
    "REPORTS_WEBHOOK_SECRET": frozenset({"webhooks"}),
    "REPORTS_DATABASE_URL": frozenset({"store"}),
    "OPENAI_API_KEY": frozenset({"renderer"}),
    "ANTHROPIC_API_KEY": frozenset({"renderer"}),
    "REPORTS_NATS_USER": frozenset(),  # each service's own is added by stack/nats_auth.py
    "REPORTS_NATS_PASSWORD": frozenset(),
    "REPORTS_TLS_DIR": frozenset(),  # each service's own is added by stack/certificates.py
    "POSTGRES_PASSWORD": frozenset(),
}


def scoped(env: Mapping[str, str], service: str) -> dict[str, str]:
    """`env` without the secrets `service` does not read."""
    return {name: value for name, value in env.items() if service in SECRETS.get(name, frozenset({service}))}
