"""What `make run` and `make cluster` share: the development key, and running until Ctrl-C or SIGTERM."""

from __future__ import annotations

import os
import secrets
import signal
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from stack.processes import die_with_parent

DEV_TENANT = "dev"
DEV_KEY_FILE = "dev-api-key"
DEV_WEBHOOK_SECRET_FILE = "webhook-secret"


@dataclass(frozen=True)
class ApiKeyConfig:
    keys: str  # REPORTS_API_KEYS for the gateway ("" when only REPORTS_API_KEYS_FILE is set)
    dev_key: str | None  # the generated development key, when no keys are configured


def _kept_secret(path: Path, make: Callable[[], str]) -> str:
    """A secret made once into `path` (readable by its owner only) and read from there after."""
    if path.exists() and (kept := path.read_text().strip()):
        return kept
    path.parent.mkdir(parents=True, exist_ok=True)
    value = make()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(value + "\n")
    return value


def dev_api_key(var_dir: Path) -> str:
    """The development key of this checkout: random, made once into var/dev-api-key (the README's
    walkthrough reads it from there), never a key shared by every checkout."""
    return _kept_secret(var_dir / DEV_KEY_FILE, lambda: "dev_" + secrets.token_urlsafe(24))


def dev_webhook_secret(var_dir: Path) -> str:
    """The development webhook signing secret, made once into var/webhook-secret."""
    from services.webhooks.signing import generate_secret

    return _kept_secret(var_dir / DEV_WEBHOOK_SECRET_FILE, generate_secret)


class System(Protocol):
    def start(self) -> object: ...
    def stop(self) -> None: ...


def api_keys(environ: Mapping[str, str], var_dir: Path) -> ApiKeyConfig:
    """The configured keys (REPORTS_API_KEYS, REPORTS_API_KEYS_FILE), else the development key."""
    if environ.get("REPORTS_API_KEYS") or environ.get("REPORTS_API_KEYS_FILE"):
        return ApiKeyConfig(environ.get("REPORTS_API_KEYS", ""), None)
    key = dev_api_key(var_dir)
    return ApiKeyConfig(f"{key}={DEV_TENANT}", key)


def key_line(config: ApiKeyConfig, var_dir: Path) -> str:
    """The banner's line about keys: the development key it made, never a configured one."""
    if config.dev_key is None:
        return "as configured (REPORTS_API_KEYS / REPORTS_API_KEYS_FILE; not shown)"
    return (
        f"{config.dev_key}   (development key of tenant {DEV_TENANT}, kept in "
        f"{var_dir / DEV_KEY_FILE}; REPORTS_API_KEYS or REPORTS_API_KEYS_FILE for real ones)"
    )


def run_until_stopped(name: str, system: System, banner: Callable[[], str]) -> int:
    """Starts `system`, prints `banner()`, and stops it all on Ctrl-C or SIGTERM."""
    die_with_parent()  # `make run` killed: this runner stops too, and stops its services
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    print(f"starting the {name} ...", flush=True)
    try:
        system.start()
    except Exception as exc:  # noqa: BLE001 - one line and exit code 1 instead of a traceback
        print(f"could not start: {exc}", file=sys.stderr)
        return 1
    print(banner(), flush=True)
    stop.wait()
    print("stopping ...", flush=True)
    system.stop()
    print("stopped", flush=True)
    return 0
