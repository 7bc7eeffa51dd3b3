"""The gateway's settings from the environment."""

from __future__ import annotations

import pytest

from services.common import defaults
from services.common.env import ConfigError
from services.gateway.settings import GatewaySettings


def test_defaults_bind_loopback_and_find_the_services_where_they_listen_by_default():
    settings = GatewaySettings.from_env({"REPORTS_API_KEYS": "k=acme"})
    assert (settings.host, settings.port, settings.store_target, settings.resolver_target, settings.nats_url) == (
        defaults.GATEWAY_HOST,
        defaults.GATEWAY_PORT,
        defaults.STORE_ADDR,
        defaults.RESOLVER_ADDR,
        defaults.NATS_URL,
    )
    assert settings.rpc_timeout_s == defaults.RPC_TIMEOUT_S


def test_every_address_is_read():
    settings = GatewaySettings.from_env(
        {
            "REPORTS_API_KEYS": "k=acme",
            "REPORTS_GATEWAY_HOST": "0.0.0.0",
            "REPORTS_GATEWAY_PORT": "0",
            "REPORTS_STORE_ADDR": "store:7001",
            "REPORTS_RESOLVER_ADDR": "resolver:7002",
            "REPORTS_NATS_URL": "nats://nats:4222",
            "REPORTS_RPC_TIMEOUT_S": "3",
            "REPORTS_SSE_PING_S": "1",
            "REPORTS_SSE_MAX_PER_TENANT": "2",
            "REPORTS_GATEWAY_MAX_CONNECTIONS": "5",
        }
    )
    assert (settings.host, settings.port, settings.store_target, settings.resolver_target, settings.nats_url) == (
        "0.0.0.0",
        0,
        "store:7001",
        "resolver:7002",
        "nats://nats:4222",
    )
    assert (settings.rpc_timeout_s, settings.sse_ping_s, settings.sse_max_per_tenant) == (3.0, 1.0, 2)
    assert settings.connection_limits.max_connections == 5


@pytest.mark.parametrize(
    "name, value",
    [
        ("REPORTS_GATEWAY_PORT", "http"),
        ("REPORTS_RPC_TIMEOUT_S", "0"),
        ("REPORTS_GATEWAY_MAX_HEADER_BYTES", "10"),
        ("REPORTS_API_KEYS", "nobody"),
    ],
)
def test_a_bad_value_is_a_config_error_naming_its_variable(name, value):
    with pytest.raises(ConfigError, match=name):
        GatewaySettings.from_env({"REPORTS_API_KEYS": "k=acme", name: value})
