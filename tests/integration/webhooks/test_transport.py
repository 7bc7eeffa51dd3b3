"""Sending to a real local receiver: the address checked is the address connected to, no redirects."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from services.domain import ssrf
from services.webhooks.transport import AddressForbidden, Sender, SendFailed
from tests.integration.webhooks.receiver import Receiver, Reply


def resolver_to(table: dict[str, list[str]]) -> ssrf.Resolver:
    async def resolve(host: str, port: int) -> list[str]:
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return table[host]

    return resolve


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver(Reply(302, {"Location": "/elsewhere"}), Reply(200)) as running:
        yield running


async def test_the_request_goes_to_the_checked_address_with_the_original_host_header(receiver):
    sender = Sender(timeout_s=5, allow_private=True, resolver=resolver_to({"hooks.test": ["127.0.0.1"]}))
    try:
        url = ssrf.parse(f"http://hooks.test:{receiver.port}/in?x=1")
        answer = await sender.post(url, [("x-team", "sales")], b'{"a":1}')
        answer = await sender.post(url, [("x-team", "sales")], b'{"a":1}')
    finally:
        await sender.aclose()
    assert answer.status == 200
    first = receiver.requests[0]
    assert (first.path, first.body) == ("/in?x=1", b'{"a":1}')
    assert first.headers["host"] == f"hooks.test:{receiver.port}"
    assert first.headers["x-team"] == "sales"


async def test_a_redirect_is_returned_as_the_answer_and_never_followed(receiver):
    sender = Sender(timeout_s=5, allow_private=True)
    try:
        answer = await sender.post(ssrf.parse(receiver.url("/hook")), [], b"{}")
    finally:
        await sender.aclose()
    assert (answer.status, answer.location) == (302, "/elsewhere")
    assert [r.path for r in receiver.requests] == ["/hook"]


@pytest.mark.parametrize(
    "addresses", [["127.0.0.1"], ["93.184.216.34", "127.0.0.1"], ["::ffff:127.0.0.1"], ["10.0.0.1"]]
)
async def test_connect_time_resolution_to_a_forbidden_address_sends_nothing(receiver, addresses):
    sender = Sender(timeout_s=5, allow_private=False, resolver=resolver_to({"rebound.test": addresses}))
    try:
        with pytest.raises(AddressForbidden):
            await sender.post(ssrf.parse(f"http://rebound.test:{receiver.port}/hook"), [], b"{}")
        with pytest.raises(AddressForbidden):
            await sender.post(ssrf.parse(receiver.url("/hook")), [], b"{}")
    finally:
        await sender.aclose()
    assert receiver.requests == []


async def test_a_host_that_does_not_resolve_is_a_failed_attempt():
    sender = Sender(timeout_s=5, allow_private=False, resolver=resolver_to({}))
    try:
        with pytest.raises(SendFailed, match="cannot resolve"):
            await sender.post(ssrf.parse("https://nowhere.test/hook"), [], b"{}")
    finally:
        await sender.aclose()


async def test_a_receiver_that_never_answers_times_out():
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        sender = Sender(timeout_s=0.3, allow_private=True)
        try:
            with pytest.raises(SendFailed):
                await sender.post(ssrf.parse(f"http://127.0.0.1:{silent.getsockname()[1]}/"), [], b"{}")
        finally:
            await sender.aclose()
