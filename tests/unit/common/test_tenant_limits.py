"""REPORTS_TENANT_LIMITS and REPORTS_DEFAULT_TENANT_LIMITS: the defaults, overrides, and every bad value refused."""

from __future__ import annotations

import pytest

from services.common.env import ConfigError
from services.common.tenant_limits import Limits, parse


def test_the_defaults_apply_when_nothing_is_set():
    limits = parse({})
    assert limits.of("anyone") == Limits(rps=50.0, burst=100, inflight=32, queued=10_000)


def test_a_named_tenant_overrides_only_what_it_names():
    limits = parse(
        {
            "REPORTS_DEFAULT_TENANT_LIMITS": "rps:50,burst:100,inflight:32,queued:10000",
            "REPORTS_TENANT_LIMITS": "tenant-c=rps:5,burst:10,inflight:2,queued:20; tenant-d=queued:100 ;",
        }
    )
    assert limits.of("tenant-c") == Limits(rps=5.0, burst=10, inflight=2, queued=20)
    assert limits.of("tenant-d") == Limits(rps=50.0, burst=100, inflight=32, queued=100)
    assert limits.of("tenant-e") == limits.default


def test_named_tenants_build_on_the_configured_default():
    limits = parse({"REPORTS_DEFAULT_TENANT_LIMITS": "rps:0.5", "REPORTS_TENANT_LIMITS": "t=burst:3"})
    assert limits.of("t") == Limits(rps=0.5, burst=3, inflight=32, queued=10_000)


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("REPORTS_TENANT_LIMITS", "tenant-c", "look like tenant="),
        ("REPORTS_TENANT_LIMITS", "=rps:5", "look like tenant="),
        ("REPORTS_TENANT_LIMITS", "tenant-c=", "look like tenant="),
        ("REPORTS_TENANT_LIMITS", "t=rps:5;t=rps:6", "named twice"),
        ("REPORTS_TENANT_LIMITS", "t=rps:5,rps:6", "names rps twice"),
        ("REPORTS_TENANT_LIMITS", "t=speed:5", "among rps, burst, inflight, queued"),
        ("REPORTS_TENANT_LIMITS", "t=rps", "among rps"),
        ("REPORTS_TENANT_LIMITS", "t=rps=5", "among rps"),
        ("REPORTS_TENANT_LIMITS", "t=rps:0", "positive number"),
        ("REPORTS_TENANT_LIMITS", "t=rps:-1", "positive number"),
        ("REPORTS_TENANT_LIMITS", "t=rps:nan", "positive number"),
        ("REPORTS_TENANT_LIMITS", "t=rps:inf", "positive number"),
        ("REPORTS_TENANT_LIMITS", "t=rps:1e9", "positive number"),
        ("REPORTS_TENANT_LIMITS", "t=rps:0.0000001", "positive number"),
        ("REPORTS_TENANT_LIMITS", "t=rps:", "positive number"),
        ("REPORTS_TENANT_LIMITS", "t=burst:0", "positive integer"),
        ("REPORTS_TENANT_LIMITS", "t=burst:1.5", "positive integer"),
        ("REPORTS_TENANT_LIMITS", "t=burst:99999999999999999999", "positive integer"),
        ("REPORTS_TENANT_LIMITS", "t=queued:-3", "positive integer"),
        ("REPORTS_TENANT_LIMITS", "t=inflight:٣", "positive integer"),  # a non-ASCII digit
        ("REPORTS_TENANT_LIMITS", ";".join(f"t{i}=rps:1" for i in range(10_001)), "at most 10000"),
        ("REPORTS_DEFAULT_TENANT_LIMITS", "rps:5,burst", "among rps"),
        ("REPORTS_DEFAULT_TENANT_LIMITS", "burst:0", "the default"),
    ],
)
def test_a_malformed_value_is_a_config_error_naming_it(name, value, says):
    with pytest.raises(ConfigError) as raised:
        parse({name: value})
    assert name in str(raised.value)
    assert says in str(raised.value)


def test_the_gateway_will_not_start_on_a_malformed_limit():
    from services.gateway.settings import GatewaySettings

    with pytest.raises(ConfigError, match="REPORTS_TENANT_LIMITS: burst for tenant 'tenant-c'"):
        GatewaySettings.from_env({"REPORTS_API_KEYS": "k=tenant-c", "REPORTS_TENANT_LIMITS": "tenant-c=burst:ten"})
    settings = GatewaySettings.from_env({"REPORTS_API_KEYS": "k=tenant-c"})
    assert settings.tenant_limits is not None and settings.tenant_limits.of("tenant-c").rps == 50.0


def test_the_store_will_not_start_on_a_malformed_limit():
    from services.store.settings import StoreSettings

    with pytest.raises(ConfigError, match="REPORTS_DEFAULT_TENANT_LIMITS: queued for the default"):
        StoreSettings.from_env({"REPORTS_DEFAULT_TENANT_LIMITS": "queued:-1"})
    settings = StoreSettings.from_env({"REPORTS_TENANT_LIMITS": "tenant-c=queued:20"})
    assert settings.tenant_limits.of("tenant-c").queued == 20
