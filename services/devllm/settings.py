"""The dev LLM's settings, read once from the environment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from services.common import defaults, env, loop_choice


@dataclass(frozen=True)
class Settings:
    host: str = defaults.DEVLLM_HOST
    port: int = defaults.DEVLLM_PORT  # 0: any free port (the log line names the real one)
    latency_ms: int = 0  # default wait before each answer; the latency knob overrides
    hang_s: float = 600.0  # how long fail=hang holds a request (unless the client leaves)
    shutdown_grace_s: int = 3  # then requests still open (hangs) are cancelled
    tokens_per_s: int = 0  # streaming speed; 0: as fast as possible; knob speed= wins
    rpm: int = 0  # requests a minute per model before 429s (request_limit.py); 0: none
    event_loop: str = loop_choice.DEFAULT  # REPORTS_EVENT_LOOP, as every service reads it

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        return cls(
            host=env.text(environ, "DEVLLM_HOST", cls.host),
            port=env.integer(environ, "DEVLLM_PORT", cls.port, maximum=65535),
            latency_ms=env.integer(environ, "DEVLLM_LATENCY_MS", cls.latency_ms, maximum=3_600_000),
            tokens_per_s=env.integer(environ, "DEVLLM_TOKENS_PER_S", cls.tokens_per_s, maximum=100_000),
            rpm=env.integer(environ, "DEVLLM_RPM", cls.rpm, maximum=100_000_000),
            event_loop=loop_choice.chosen(environ),
        )
