from __future__ import annotations

import asyncio

import pytest

from services.common import env, runtime
from services.common.env import ConfigError


async def _loop_module() -> str:
    return type(asyncio.get_running_loop()).__module__.split(".")[0]


@pytest.mark.parametrize("setting, module", [("", "uvloop"), ("uvloop", "uvloop"), ("ASYNCIO", "asyncio")])
def test_a_service_runs_on_the_event_loop_its_setting_names(setting, module):
    process = runtime.ProcessSettings.from_env({"REPORTS_EVENT_LOOP": setting})
    assert runtime.run("store", process, _loop_module) == module


def test_process_settings_default_to_info_logs_no_metrics_port_and_uvloop():
    assert runtime.ProcessSettings.from_env({}) == runtime.ProcessSettings(
        log_level="INFO", metrics_port=None, metrics_host="127.0.0.1", event_loop="uvloop"
    )
    assert runtime.ProcessSettings.from_env(
        {"REPORTS_LOG_LEVEL": "debug", "REPORTS_METRICS_PORT": "0"}
    ) == runtime.ProcessSettings(log_level="DEBUG", metrics_port=0)


@pytest.mark.parametrize(
    "name, value",
    [
        ("REPORTS_EVENT_LOOP", "trio"),
        ("REPORTS_LOG_LEVEL", "loud"),
        ("REPORTS_METRICS_PORT", "x"),
        ("REPORTS_GRPC_KEEPALIVE_S", "0"),
        ("REPORTS_CPU_WORKERS", "0"),
    ],
)
def test_process_settings_name_the_variable_holding_a_bad_value(name, value):
    with pytest.raises(ConfigError, match=name):
        runtime.ProcessSettings.from_env({name: value})


def test_a_configuration_error_stops_with_one_line_on_stderr_and_status_2(capsys):
    def bad() -> None:
        raise ConfigError("REPORTS_EVENT_LOOP must be uvloop or asyncio,\n got 'trio'")

    with pytest.raises(SystemExit) as stopped:
        env.settings_or_exit("store", bad)
    assert stopped.value.code == 2
    assert capsys.readouterr().err == "store: cannot start: REPORTS_EVENT_LOOP must be uvloop or asyncio, got 'trio'\n"


def test_a_configuration_error_raised_while_starting_stops_the_same_way(capsys):
    async def main() -> None:
        raise ConfigError("REPORTS_TLS_DIR=/nowhere: No such file or directory: /nowhere/ca.pem")

    with pytest.raises(SystemExit) as stopped:
        runtime.run("resolver", runtime.ProcessSettings(), main)
    assert stopped.value.code == 2 and capsys.readouterr().err.startswith("resolver: cannot start: REPORTS_TLS_DIR")
