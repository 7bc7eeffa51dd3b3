"""REPORTS_API_KEYS entries may carry a per-tenant default retention: key=tenant;retentionDays=N."""

from __future__ import annotations

import pytest

from services.common.env import ConfigError
from services.gateway.api_keys import hashed_form
from services.gateway.settings import GatewaySettings, parse_api_keys, parse_retention_days

RAW = "k1=acme;retentionDays=30, k2=acme;retentionDays=30, k3=globex"


def test_keys_map_to_their_tenants_without_the_options():
    assert parse_api_keys(RAW) == {hashed_form("k1"): "acme", hashed_form("k2"): "acme", hashed_form("k3"): "globex"}


def test_a_tenant_with_retention_days_gets_them_and_others_none():
    assert parse_retention_days(RAW) == {"acme": 30}
    settings = GatewaySettings.from_env({"REPORTS_API_KEYS": RAW})
    assert settings.retention_days == {"acme": 30}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("k=acme;retentionDays=0", "1 to 3650"),
        ("k=acme;retentionDays=3651", "1 to 3650"),
        ("k=acme;retentionDays=thirty", "1 to 3650"),
        ("k=acme;retentionDays=٣", "1 to 3650"),
        ("k=acme;ttl=3", "unknown option 'ttl'"),
        ("k=acme;retentionDays", "unknown option"),
        ("a=acme;retentionDays=3,b=acme;retentionDays=4", "two different retentionDays"),
    ],
)
def test_a_bad_option_stops_the_gateway_with_a_clear_message(raw, message):
    with pytest.raises(ConfigError, match=message):
        parse_retention_days(raw)


def test_an_error_never_prints_a_whole_key():
    with pytest.raises(ConfigError) as raised:
        parse_api_keys("sk-very-secret-key=")
    assert "sk-very-secret-key" not in str(raised.value)
