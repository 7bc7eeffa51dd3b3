from __future__ import annotations

import asyncio

import pytest

from services.common import runtime


async def _loop_module() -> str:
    return type(asyncio.get_running_loop()).__module__.split(".")[0]


@pytest.mark.parametrize("setting, module", [("", "uvloop"), ("uvloop", "uvloop"), ("ASYNCIO", "asyncio")])
def test_a_service_runs_on_the_event_loop_its_setting_names(monkeypatch, setting, module):
    monkeypatch.setenv("REPORTS_EVENT_LOOP", setting)
    assert runtime.run("store", _loop_module) == module


def test_a_service_stops_with_one_line_when_the_event_loop_setting_is_unknown(monkeypatch):
    monkeypatch.setenv("REPORTS_EVENT_LOOP", "trio")
    with pytest.raises(SystemExit) as stopped:
        runtime.run("store", _loop_module)
    assert stopped.value.code == 2
