"""The dev LLM's settings, read once from the environment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


class SettingsError(ValueError):
    """An environment variable holds a value the dev LLM cannot use."""


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8089                 # 0: any free port (the log line names the real one)
    latency_ms: int = 0              # default wait before each answer; the latency knob overrides
    hang_s: float = 600.0            # how long fail=hang holds a request (unless the client leaves)
    shutdown_grace_s: int = 3        # then requests still open (hangs) are cancelled
    tokens_per_s: int = 0            # streaming speed; 0: as fast as possible; knob speed= wins
    rpm: int = 0                     # requests a minute per model before 429s (request_limit.py); 0: none

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        return cls(
            host=env.get("DEVLLM_HOST", cls.host).strip() or cls.host,
            port=_int(env, "DEVLLM_PORT", cls.port, 0, 65535),
            latency_ms=_int(env, "DEVLLM_LATENCY_MS", cls.latency_ms, 0, 3_600_000),
            tokens_per_s=_int(env, "DEVLLM_TOKENS_PER_S", cls.tokens_per_s, 0, 100_000),
            rpm=_int(env, "DEVLLM_RPM", cls.rpm, 0, 100_000_000),
        )


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise SettingsError(f"{name}={raw!r}: expected a whole number from {low} to {high}")
    return int(raw)
