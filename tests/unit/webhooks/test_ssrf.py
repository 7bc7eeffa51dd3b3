"""The SSRF guard: every class of address that is not public is refused, however it is spelt.

Name resolution is faked here (and only here) so a host name can "resolve" to 10.0.0.1 without
any traffic going anywhere.
"""

from __future__ import annotations

import socket

import pytest

from services.domain import ssrf
from services.domain.ssrf import ForbiddenUrl

FORBIDDEN_ADDRESSES = [
    ("127.0.0.1", "loopback"),
    ("127.255.0.9", "loopback"),
    ("::1", "loopback"),
    ("10.0.0.1", "private"),
    ("172.16.5.4", "private"),
    ("172.31.255.255", "private"),
    ("192.168.1.1", "private"),
    ("fc00::1", "private"),
    ("fd12:3456::1", "private"),
    ("169.254.169.254", "link-local"),
    ("fe80::1", "link-local"),
    ("100.64.0.1", "carrier-grade NAT"),
    ("100.127.255.254", "carrier-grade NAT"),
    ("224.0.0.1", "multicast"),
    ("239.255.255.250", "multicast"),
    ("ff02::1", "multicast"),
    ("240.0.0.1", "reserved"),
    ("255.255.255.255", "reserved"),
    ("0.0.0.0", "unspecified"),
    ("::", "unspecified"),
    ("192.0.2.10", "documentation"),
    ("198.51.100.7", "documentation"),
    ("203.0.113.99", "documentation"),
    ("2001:db8::1", "documentation"),
    ("198.18.0.1", "benchmarking"),
    ("::ffff:127.0.0.1", "loopback"),
    ("::ffff:10.0.0.1", "private"),
    ("::ffff:169.254.169.254", "link-local"),
    ("64:ff9b::a9fe:a9fe", "link-local"),  # NAT64 of 169.254.169.254
    ("2002:a00:1::1", "private"),  # 6to4 of 10.0.0.1
    ("fec0::1", "site-local"),
]
PUBLIC_ADDRESSES = ["93.184.216.34", "8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"]


@pytest.mark.parametrize(("address", "kind"), FORBIDDEN_ADDRESSES)
def test_every_class_of_non_public_address_is_forbidden(address, kind):
    reason = ssrf.forbidden_reason(address)
    assert reason is not None and kind in reason


@pytest.mark.parametrize("address", PUBLIC_ADDRESSES)
def test_public_addresses_are_allowed(address):
    assert ssrf.forbidden_reason(address) is None


def fake_resolver(table: dict[str, list[str]]) -> ssrf.Resolver:
    async def resolve(host: str, port: int) -> list[str]:
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return table[host]

    return resolve


NOWHERE = fake_resolver({})

REFUSED_URLS = [
    "http://127.0.0.1/hook",
    "http://[::1]:8080/hook",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:7f00:1]/",
    "http://0x7f000001/",
    "http://2130706433/",
    "http://127.1/",
    "http://0177.0.0.1/",
    "http://0/",
    "http://10.0.0.1/",
    "http://169.254.169.254/latest/meta-data/",
    "http://100.64.1.1/",
    "http://[fe80::1]/",
    "http://224.0.0.1/",
    "http://192.0.2.1/",
    "http://[2001:db8::5]/",
    "https://localhost/hook",
    "https://api.localhost./hook",
]


@pytest.mark.parametrize("url", REFUSED_URLS)
async def test_urls_naming_a_forbidden_address_are_refused_without_dns(url):
    with pytest.raises(ForbiddenUrl):
        await ssrf.check_url(url, allow_private=False, resolver=NOWHERE)


async def test_a_host_name_that_resolves_to_a_private_address_is_refused():
    resolver = fake_resolver({"hooks.example.com": ["10.0.0.1"]})
    with pytest.raises(ForbiddenUrl, match=r"hooks.example.com resolves to 10.0.0.1 is private"):
        await ssrf.check_url("https://hooks.example.com/in", allow_private=False, resolver=resolver)


async def test_a_host_name_is_refused_when_any_of_its_addresses_is_forbidden():
    resolver = fake_resolver({"mixed.example.com": ["93.184.216.34", "::ffff:127.0.0.1"]})
    with pytest.raises(ForbiddenUrl, match=r"loopback"):
        await ssrf.resolve_checked("mixed.example.com", 443, resolver=resolver)


async def test_a_host_name_with_public_addresses_passes_and_they_are_what_to_connect_to():
    resolver = fake_resolver({"hooks.example.com": ["93.184.216.34", "2606:4700:4700::1111"]})
    assert await ssrf.resolve_checked("hooks.example.com", 443, resolver=resolver) == [
        "93.184.216.34",
        "2606:4700:4700::1111",
    ]


async def test_odd_ipv4_spellings_are_read_as_the_address_they_mean_not_resolved():
    assert await ssrf.resolve_checked("8.8.8.8", 80, resolver=NOWHERE) == ["8.8.8.8"]
    assert await ssrf.resolve_checked("134744072", 80, resolver=NOWHERE) == ["8.8.8.8"]
    assert await ssrf.resolve_checked("0x08080808", 80, resolver=NOWHERE) == ["8.8.8.8"]


async def test_a_host_that_does_not_resolve_passes_at_creation_and_is_checked_again_at_connect():
    parsed = await ssrf.check_url("https://not-yet.example.com/h", allow_private=False, resolver=NOWHERE)
    assert (parsed.host, parsed.port, parsed.target) == ("not-yet.example.com", 443, "/h")
    with pytest.raises(OSError):
        await ssrf.resolve_checked("not-yet.example.com", 443, resolver=NOWHERE)


async def test_allow_private_lifts_the_address_rules_but_not_the_scheme_rules():
    resolver = fake_resolver({"internal.example": ["10.0.0.1"]})
    await ssrf.check_url("http://127.0.0.1:9/h", allow_private=True, resolver=NOWHERE)
    assert await ssrf.resolve_checked("internal.example", 80, resolver=resolver, allow_private=True) == ["10.0.0.1"]
    with pytest.raises(ForbiddenUrl):
        await ssrf.check_url("ftp://127.0.0.1/h", allow_private=True, resolver=NOWHERE)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.com/x", "only http and https"),
        ("file:///etc/passwd", "only http and https"),
        ("gopher://example.com/", "only http and https"),
        ("javascript:alert(1)", "only http and https"),
        ("https://user:pw@example.com/", "credentials"),
        ("https://example.com@127.0.0.1/", "credentials"),
        ("http:///path", "no host"),
        ("http://example.com:99999/", "not a valid URL"),
    ],
)
def test_parse_refuses_what_is_not_a_plain_http_url(url, message):
    with pytest.raises(ForbiddenUrl, match=message):
        ssrf.parse(url)


def test_parse_keeps_path_and_query_and_the_default_port():
    parsed = ssrf.parse("HTTPS://Hooks.Example.COM/in/bound?team=sales#frag")
    assert parsed == ssrf.WebhookUrl("https", "hooks.example.com", 443, "/in/bound?team=sales")
    assert ssrf.parse("http://[2606:4700::1]:8080").target == "/"
