"""The resolver's settings from the environment."""

from __future__ import annotations

import pytest

from services.common import defaults
from services.common.env import ConfigError
from services.resolver.settings import ResolverSettings, ResolveSettings


def test_defaults_when_the_environment_is_empty():
    assert ResolverSettings.from_env({}) == ResolverSettings(
        listen=defaults.RESOLVER_ADDR,
        store_target=defaults.STORE_ADDR,
        resolving=ResolveSettings(evidence_budget_chars=12000, hint_threshold=0.6),
    )


def test_every_variable_is_read():
    assert ResolverSettings.from_env(
        {
            "REPORTS_RESOLVER_LISTEN": "0.0.0.0:7000",
            "REPORTS_STORE_ADDR": "store:7001",
            "REPORTS_EVIDENCE_BUDGET_CHARS": "500",
            "REPORTS_HINT_THRESHOLD": "0.8",
        }
    ) == ResolverSettings("0.0.0.0:7000", "store:7001", ResolveSettings(500, 0.8))


@pytest.mark.parametrize(
    "name, value",
    [
        ("REPORTS_EVIDENCE_BUDGET_CHARS", "199"),
        ("REPORTS_EVIDENCE_BUDGET_CHARS", "lots"),
        ("REPORTS_HINT_THRESHOLD", "high"),
    ],
)
def test_a_bad_value_is_a_config_error_naming_its_variable(name, value):
    with pytest.raises(ConfigError, match=name):
        ResolverSettings.from_env({name: value})
