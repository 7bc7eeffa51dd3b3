"""Reading configuration from the environment, loudly: a bad value stops the process at start."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import NoReturn, TypeVar

T = TypeVar("T")


class ConfigError(ValueError):
    pass


def text(env: Mapping[str, str], name: str, default: str) -> str:
    value = env.get(name, "").strip()
    return value or default


def integer(env: Mapping[str, str], name: str, default: int, *, minimum: int = 0, maximum: int | None = None) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ConfigError(f"{name} must be at most {maximum}, got {value}")
    return value


def number(env: Mapping[str, str], name: str, default: float, *, minimum: float = 0.0) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}")
    return value


def flag(env: Mapping[str, str], name: str) -> bool:
    return env.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def var_dir(env: Mapping[str, str]) -> Path:
    """Where local state (the SQLite file, JetStream data) lives by default."""
    return Path(text(env, "REPORTS_VAR_DIR", "var")).resolve()


def settings_or_exit(service: str, read: Callable[[], T]) -> T:
    """`read()`; a ConfigError stops the process (see `refuse`)."""
    try:
        return read()
    except ConfigError as exc:
        refuse(service, exc)


def refuse(service: str, error: ConfigError) -> NoReturn:
    """One line on stderr, `<service>: cannot start: <what is wrong, naming the variable>`, and exit
    status 2 (a configuration error: restarting will not help), not a traceback."""
    message = " ".join(str(error).split())
    sys.stderr.write(f"{service}: cannot start: {message}\n")
    sys.stderr.flush()
    sys.exit(2)
