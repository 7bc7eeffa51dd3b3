"""deploy/nats/auth.conf (Docker Compose's NATS) in a real nats-server: the passwords from the
environment, a user per service, and no way in without one."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import nats
import pytest
from nats.errors import NoServersError

from services.common import streams
from stack import nats_auth, nats_server
from stack.nats_server import NatsServer
from tests.integration.stack.test_nats_auth import Connection

CONFIG = Path(__file__).resolve().parents[3] / "deploy" / "nats" / "auth.conf"


@pytest.fixture
def users() -> dict[str, nats_auth.NatsUser]:
    return {name: user for name, user in nats_auth.generate().items() if name in nats_auth.COMPOSE_SERVICES}


def _passwords(users: dict[str, nats_auth.NatsUser]) -> dict[str, str]:
    return {nats_auth.password_variable(name): user.password for name, user in users.items()}


@pytest.fixture
def server(tmp_path: Path, users: dict[str, nats_auth.NatsUser]) -> Iterator[NatsServer]:
    running = NatsServer(
        tmp_path / "nats", tmp_path / "nats.log", config=CONFIG, env={**os.environ, **_passwords(users)}
    ).start()
    try:
        yield running
    finally:
        running.stop()


async def test_each_service_connects_with_the_password_from_the_environment(server: NatsServer, users):
    for user in users.values():
        nc = await Connection().open(server.url, user)
        await nc.flush()
        await nc.close()


async def test_a_client_without_a_user_cannot_connect(server: NatsServer):
    with pytest.raises((NoServersError, nats.errors.Error, OSError)):
        await nats.connect(server.url, allow_reconnect=False, max_reconnect_attempts=0, connect_timeout=2)


async def test_the_gateway_cannot_publish_a_status_event(server: NatsServer, users):
    forger = Connection()
    nc = await forger.open(server.url, users["gateway"])
    try:
        await nc.publish(streams.event_subject("job_forged"), b"forged")
        await forger.refusal()
    finally:
        await nc.close()


def test_nats_refuses_to_start_without_a_password(users):
    env = {**os.environ, **_passwords(users)}
    env.pop(nats_auth.password_variable("renderer"))
    result = subprocess.run(
        [nats_server.binary(), "-c", str(CONFIG), "-t"], capture_output=True, text=True, env=env, timeout=30
    )
    assert result.returncode != 0
    assert "NATS_PASSWORD_RENDERER" in result.stdout + result.stderr
