"""How many tokens a gateway replica leases at once, and the two settings that shape it."""

from __future__ import annotations

import pytest

from services.common.env import ConfigError
from services.common.tenant_limits import Limits
from services.gateway.rate_limiter import lease_size
from services.gateway.settings import GatewaySettings


@pytest.mark.parametrize(
    ("limits", "most", "size"),
    [
        (Limits(rps=50, burst=100), 32, 5),  # the default tenant: a tenth of a second of its rate
        (Limits(rps=1000, burst=20), 32, 5),  # a small bucket: a quarter of it
        (Limits(rps=1e6, burst=10**8), 32, 32),  # a fast tenant: REPORTS_RATE_LIMIT_LEASE
        (Limits(rps=5, burst=10), 32, 1),  # a slow tenant: no lease, every request at the counter
        (Limits(rps=1e6, burst=10**8), 1, 1),  # leases off
    ],
)
def test_a_lease_is_the_smallest_of_its_bounds_and_never_empty(limits, most, size):
    assert lease_size(limits, most) == size


def test_the_lease_and_the_off_switch_come_from_the_environment():
    keys = {"REPORTS_API_KEYS": "k=tenant-c"}
    assert GatewaySettings.from_env(keys).rate_limit_lease == 32
    assert GatewaySettings.from_env({**keys, "REPORTS_RATE_LIMIT_LEASE": "1"}).rate_limit_lease == 1
    with pytest.raises(ConfigError, match="REPORTS_RATE_LIMIT_LEASE"):
        GatewaySettings.from_env({**keys, "REPORTS_RATE_LIMIT_LEASE": "0"})
    assert GatewaySettings.from_env({**keys, "REPORTS_TENANT_RATE_LIMIT_OFF": "1"}).tenant_limits is None
