"""Where a webhook may go: http or https, to public addresses only (the SSRF guard).

A URL is checked twice: when a job is created (the gateway answers 400 `webhook_url_forbidden`)
and when the dispatcher connects, on the addresses the name resolves to at that moment, since DNS
can change in between. A host is refused when it is, or resolves to, an address that is not
globally routable: loopback, private (RFC 1918, fc00::/7), link-local, CGNAT (100.64/10),
multicast, reserved, unspecified, documentation (192.0.2/24, 198.51.100/24, 203.0.113/24,
2001:db8::/32), benchmarking, or an IPv6 form that carries such an IPv4 address (IPv4-mapped,
NAT64, 6to4, Teredo). Odd IPv4 spellings (`0x7f000001`, `2130706433`, `127.1`, `0177.0.0.1`) are
read the way the C library reads them, so they are checked as the address they mean.

`allow_private` (REPORTS_WEBHOOK_ALLOW_PRIVATE, development and tests only) lifts the address
rules; the scheme rules stay.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# host, port -> the addresses the host resolves to, as text
Resolver = Callable[[str, int], Awaitable[list[str]]]

SCHEMES = {"http": 80, "https": 443}

# Named for the error message; anything else that is not globally routable is refused too.
_NAMED_NETWORKS: list[tuple[str, str]] = [
    ("0.0.0.0/8", "unspecified"),
    ("10.0.0.0/8", "private"),
    ("100.64.0.0/10", "carrier-grade NAT"),
    ("127.0.0.0/8", "loopback"),
    ("169.254.0.0/16", "link-local"),
    ("172.16.0.0/12", "private"),
    ("192.0.0.0/24", "IETF protocol assignments"),
    ("192.0.2.0/24", "documentation"),
    ("192.168.0.0/16", "private"),
    ("198.18.0.0/15", "benchmarking"),
    ("198.51.100.0/24", "documentation"),
    ("203.0.113.0/24", "documentation"),
    ("224.0.0.0/4", "multicast"),
    ("240.0.0.0/4", "reserved"),
    ("::/128", "unspecified"),
    ("::1/128", "loopback"),
    ("64:ff9b:1::/48", "NAT64"),
    ("100::/64", "discard-only"),
    ("2001:db8::/32", "documentation"),
    ("fc00::/7", "private"),
    ("fe80::/10", "link-local"),
    ("fec0::/10", "site-local"),
    ("ff00::/8", "multicast"),
]
NAMED_NETWORKS = [(ipaddress.ip_network(net), name) for net, name in _NAMED_NETWORKS]
NAT64 = ipaddress.ip_network("64:ff9b::/96")


class ForbiddenUrl(ValueError):
    """A webhook URL, or the address it leads to, that the platform will not send to."""


@dataclass(frozen=True)
class WebhookUrl:
    scheme: str
    host: str  # lower case; an IPv6 literal without brackets
    port: int
    target: str  # path and query, as sent in the request line

    @property
    def is_default_port(self) -> bool:
        return SCHEMES[self.scheme] == self.port


def parse(url: str) -> WebhookUrl:
    """The parts of an http(s) URL the dispatcher connects to; ForbiddenUrl for anything else."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise ForbiddenUrl(f"not a valid URL: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise ForbiddenUrl("only http and https URLs are allowed")
    if parts.username is not None or parts.password is not None:
        raise ForbiddenUrl("credentials in the URL are not allowed; send them in webhook.headers")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise ForbiddenUrl("the URL has no host")
    if any(c.isspace() or c in "\\%" for c in host) and not _is_ip(host):
        raise ForbiddenUrl("the URL's host is not a valid host name")
    try:
        host = host.encode("idna").decode("ascii") if not _is_ip(host) else host
    except UnicodeError:
        raise ForbiddenUrl("the URL's host is not a valid host name") from None
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    return WebhookUrl(scheme=scheme, host=host, port=port or SCHEMES[scheme], target=target)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def literal_address(host: str) -> IpAddress | None:
    """The address a host names without DNS: an IP literal, or an IPv4 in any inet_aton spelling."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip in NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    return None


def forbidden_reason(address: IpAddress | str) -> str | None:
    """Why a webhook may not be sent to `address`, or None when it is a public address."""
    ip = ipaddress.ip_address(address.split("%", 1)[0] if isinstance(address, str) else address)
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:  # the IPv4 address itself, reached over an IPv6 socket
            reason = forbidden_reason(ip.ipv4_mapped)
            return None if reason is None else f"{reason} (as {ip})"
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            reason = forbidden_reason(embedded)
            if reason is not None:
                return f"{reason} (as {ip})"
    for network, name in NAMED_NETWORKS:
        if ip.version == network.version and ip in network:
            return f"{ip} is {name}"
    if ip.is_multicast:
        return f"{ip} is multicast"
    if ip.is_reserved or ip.is_unspecified:
        return f"{ip} is reserved"
    if ip.is_loopback or ip.is_link_local or ip.is_private or not ip.is_global:
        return f"{ip} is not a public address"
    return None


def _refuse_local_name(host: str) -> None:
    if host == "localhost" or host.endswith(".localhost"):
        raise ForbiddenUrl(f"{host} is loopback")


async def system_resolver(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses: list[str] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        if sockaddr[0] not in addresses:
            addresses.append(str(sockaddr[0]))
    return addresses


async def resolve_checked(
    host: str, port: int, *, resolver: Resolver = system_resolver, allow_private: bool = False
) -> list[str]:
    """The addresses to connect to for `host`, every one of them allowed; ForbiddenUrl if any is not.

    Resolution errors (socket.gaierror, OSError) propagate: the host may resolve later.
    """
    literal = literal_address(host)
    if literal is not None:
        addresses = [str(literal)]
    else:
        if not allow_private:
            _refuse_local_name(host)
        addresses = await resolver(host, port)
        if not addresses:
            raise OSError(f"{host} has no address")
    if not allow_private:
        for address in addresses:
            reason = forbidden_reason(address)
            if reason is not None:
                detail = reason if literal is not None else f"{host} resolves to {reason}"
                raise ForbiddenUrl(f"{detail}: webhooks go to public addresses only")
    return addresses


async def check_url(
    url: str, *, allow_private: bool, resolver: Resolver = system_resolver, resolve_timeout_s: float = 2.0
) -> WebhookUrl:
    """The check at job creation: the URL's form always, its addresses unless `allow_private`.

    A host that does not resolve now (or not in time) passes: it cannot be shown to be private,
    and the dispatcher checks the addresses again when it connects.
    """
    parsed = parse(url)
    if allow_private:
        return parsed
    try:
        await asyncio.wait_for(
            resolve_checked(parsed.host, parsed.port, resolver=resolver, allow_private=allow_private), resolve_timeout_s
        )
    except (OSError, TimeoutError):
        pass
    return parsed
