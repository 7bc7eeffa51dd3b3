"""Settings from the environment."""

from __future__ import annotations

import pytest

from services.common.env import ConfigError
from services.devllm.settings import Settings


def test_defaults_when_environment_is_empty():
    assert Settings.from_env({}) == Settings(host="127.0.0.1", port=8089, latency_ms=0)


def test_values_are_read_when_set():
    settings = Settings.from_env({"DEVLLM_HOST": "0.0.0.0", "DEVLLM_PORT": "0", "DEVLLM_LATENCY_MS": "25"})

    assert (settings.host, settings.port, settings.latency_ms) == ("0.0.0.0", 0, 25)


@pytest.mark.parametrize(
    "name, value", [("DEVLLM_PORT", "http"), ("DEVLLM_PORT", "70000"), ("DEVLLM_LATENCY_MS", "-5")]
)
def test_config_error_when_a_value_is_invalid(name, value):
    with pytest.raises(ConfigError, match=name):
        Settings.from_env({name: value})


def test_the_dev_llm_runs_on_the_event_loop_every_service_reads():
    assert Settings.from_env({}).event_loop == "uvloop"
    assert Settings.from_env({"REPORTS_EVENT_LOOP": "asyncio"}).event_loop == "asyncio"
    with pytest.raises(ConfigError, match="REPORTS_EVENT_LOOP"):
        Settings.from_env({"REPORTS_EVENT_LOOP": "trio"})
