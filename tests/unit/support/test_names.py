"""The test resolver answers loopback names only; the guard fails a test that asks DNS for a public name."""

from __future__ import annotations

import asyncio
import socket

import pytest

from tests.support.names import is_local, loopback_resolver


async def test_the_loopback_resolver_answers_its_names_and_refuses_every_other_without_a_lookup():
    resolve = loopback_resolver()
    assert await resolve("hooks.test", 443) == ["127.0.0.1"]
    with pytest.raises(socket.gaierror):
        await resolve("example.com", 443)


def test_the_loopback_resolver_takes_only_loopback_addresses():
    with pytest.raises(AssertionError):
        loopback_resolver({"public.test": ["93.184.216.34"]})


@pytest.mark.parametrize("host", [None, "127.0.0.1", "::1", "localhost", "api.localhost", "0x7f000001", b"127.0.0.1"])
def test_loopback_names_and_address_literals_need_no_dns(host):
    assert is_local(host)


@pytest.mark.parametrize("host", ["example.com", "hooks.test", b"example.org"])
def test_any_other_name_would_need_dns(host):
    assert not is_local(host)


def test_the_guard_refuses_a_lookup_of_a_public_name_and_records_it(no_public_lookups):
    with pytest.raises(socket.gaierror, match="tests may not resolve"):
        socket.getaddrinfo("example.com", 443)
    assert no_public_lookups == ["example.com"]  # the guard fails the test at teardown for this
    no_public_lookups.clear()


async def test_the_guard_covers_the_event_loop_resolver(no_public_lookups):
    with pytest.raises(socket.gaierror):
        await asyncio.get_running_loop().getaddrinfo("example.org", 443)
    assert no_public_lookups == ["example.org"]
    no_public_lookups.clear()
