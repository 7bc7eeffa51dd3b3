"""One nats-server for many tests: each test gets a NATS account of its own on a shared server.

A NATS account is a namespace: its subjects, streams, consumers and KV buckets are invisible to
every other account. So a test's services keep the stream names every service agrees on
(services/common/streams.py) and still never meet another test's jobs or events, without a
nats-server of their own (starting one costs a test a tenth of a second or more, stopping it more).

An account returns to the pool only once nobody is connected to it and its streams are deleted:
the next test finds it as empty as a new server. An account still in use when its test ends (a
client the test leaked) is retired instead. When every account is taken, another server starts.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from dataclasses import dataclass
from pathlib import Path

import nats

from stack.nats_server import NatsServer
from stack.processes import free_port
from tests.support import plain_http
from tests.support.polling import until

ACCOUNTS_PER_SERVER = 64
PASSWORD = "test"


@dataclass(frozen=True)
class NatsAccount:
    """What a test uses as its nats-server: `url` connects as the account's user."""

    name: str
    port: int
    monitor_url: str

    @property
    def user(self) -> str:
        return self.name.lower()

    @property
    def url(self) -> str:
        return f"nats://{self.user}:{PASSWORD}@127.0.0.1:{self.port}"


class SharedNatsServers:
    """Leases accounts on nats-servers started as they are needed; `close` stops them all."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.servers: list[NatsServer] = []
        self.free: list[NatsAccount] = []

    def lease(self) -> NatsAccount:
        if not self.free:
            self._start_server()
        return self.free.pop(0)

    def release(self, account: NatsAccount) -> None:
        """Returns the account to the pool once it is empty again; retires it when it cannot be emptied."""
        with concurrent.futures.ThreadPoolExecutor(1) as thread:  # the test's event loop may still be open
            if thread.submit(asyncio.run, _emptied(account)).result():
                self.free.append(account)

    def close(self) -> None:
        for server in self.servers:
            server.stop()

    def _start_server(self) -> None:
        index = len(self.servers)
        names = [f"T{index}_{n}" for n in range(ACCOUNTS_PER_SERVER)]
        config = self.directory / f"nats-{index}.conf"
        config.write_text(_accounts_config(names))
        server = NatsServer(
            self.directory / f"nats-{index}",
            self.directory / f"nats-{index}.log",
            config=config,
            monitor_port=free_port(),
        ).start()
        self.servers.append(server)
        assert server.monitor_url is not None
        self.free.extend(NatsAccount(name, server.port, server.monitor_url) for name in names)


def _accounts_config(names: list[str]) -> str:
    accounts = "".join(
        f'  {name}: {{ jetstream: enabled, users: [{{user: "{name.lower()}", password: "{PASSWORD}"}}] }}\n'
        for name in names
    )
    return f"accounts {{\n{accounts}}}\n"


async def _emptied(account: NatsAccount) -> bool:
    try:
        await until(lambda: _nobody_connected(account), timeout_s=2, what=f"no client in account {account.name}")
    except AssertionError:
        return False
    nc = await nats.connect(account.url)
    try:
        js = nc.jetstream()
        for stream in await js.streams_info():
            await js.delete_stream(stream.config.name)
        return not await js.streams_info()
    finally:
        await nc.close()


async def _nobody_connected(account: NatsAccount) -> bool:
    async with plain_http.async_client() as http:
        connections = (await http.get(f"{account.monitor_url}/connz", params={"acc": account.name})).json()
    return connections["num_connections"] == 0
