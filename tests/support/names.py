"""Host names for tests that never reach DNS.

`loopback_resolver` is what a test gives the code under test in place of the system resolver: it
answers only for the names in its table, each mapped to loopback, and refuses every other name
the way an unknown name is refused (socket.gaierror), without any lookup.
`no_public_lookups` is the autouse guard (tests/conftest.py) that makes a test which still
resolves a name that is not loopback fail, instead of querying the machine's DNS.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from services.domain import ssrf

# Names a test may use for a webhook, and the only addresses they have.
LOOPBACK_NAMES: dict[str, list[str]] = {"hooks.test": ["127.0.0.1"], "hooks6.test": ["::1"]}
# A webhook the gateway accepts: its name resolves to nothing now (the dispatcher checks again when it connects).
UNRESOLVED_HOOK = "https://unresolved.test/hook"
# A webhook the gateway refuses once its name is resolved (hooks.test is loopback).
LOOPBACK_HOOK = "https://hooks.test/hook"

LOCAL_NAMES = frozenset({"localhost", "ip6-localhost", "ip6-loopback"})


def loopback_resolver(table: dict[str, list[str]] | None = None) -> ssrf.Resolver:
    names = dict(LOOPBACK_NAMES if table is None else table)
    for addresses in names.values():
        assert all(ipaddress.ip_address(a).is_loopback for a in addresses), addresses

    async def resolve(host: str, port: int) -> list[str]:
        if host not in names:
            raise socket.gaierror(socket.EAI_NONAME, f"{host} is not a test name")
        return list(names[host])

    return resolve


def is_local(host: Any) -> bool:
    """A host getaddrinfo answers without DNS: no host, an IP literal, or a loopback name."""
    if host is None:
        return True
    name = host.decode() if isinstance(host, bytes) else str(host)
    name = name.rstrip(".").lower()
    if name in LOCAL_NAMES or name.endswith(".localhost"):
        return True
    try:
        ipaddress.ip_address(name.split("%", 1)[0])
    except ValueError:
        return ssrf.literal_address(name) is not None
    return True


@pytest.fixture(autouse=True)
def no_public_lookups(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Fail a test whose process asks DNS for a name that is not loopback (it would reach the network)."""
    asked: list[str] = []
    real = socket.getaddrinfo

    def guarded(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not is_local(host):
            asked.append(str(host))
            raise socket.gaierror(socket.EAI_NONAME, f"tests may not resolve {host!r}")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", guarded)
    yield asked
    assert not asked, f"the test asked DNS for names that are not loopback: {sorted(set(asked))}"
