"""Real parts for tests: nats-servers, SQLite or PostgreSQL databases, the dev CA."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from stack import certificates, processes
from stack.nats_server import NatsServer
from tests.support.databases import SchemaTemplate, database_backends, postgres_schema
from tests.support.names import no_public_lookups  # noqa: F401  (autouse: no test asks DNS for a public name)
from tests.support.nats_accounts import NatsAccount, SharedNatsServers


def pytest_configure(config: pytest.Config) -> None:
    # This process hands out the ports of what it starts; a process it starts that picks its own
    # (a test's `make run`) takes them from another half of the range (stack/processes.py).
    os.environ[processes.PORTS_OWNER_PID] = str(os.getpid())


@pytest.fixture(scope="session", autouse=True)
def internal_tls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One dev CA for the session: platforms issue their services' certificates from it, and this
    process calls any service as the harness identity (every identity; stack/certificates.py)."""
    root = tmp_path_factory.mktemp("tls")
    harness = certificates.ensure_harness(root)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("REPORTS_TLS_ROOT", str(root))
        patch.setenv("REPORTS_TLS_DIR", str(harness))
        yield root


@pytest.fixture(scope="session")
def shared_nats_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SharedNatsServers]:
    servers = SharedNatsServers(tmp_path_factory.mktemp("nats"))
    try:
        yield servers
    finally:
        servers.close()


@pytest.fixture
def nats_server(
    request: pytest.FixtureRequest, tmp_path: Path, shared_nats_servers: SharedNatsServers
) -> Iterator[NatsServer | NatsAccount]:
    """NATS of the test's own: an account on a shared nats-server (tests/support/nats_accounts.py),
    or, for a test marked `own_nats_server` (it stops the server or reaches it another way), a
    nats-server of its own."""
    if request.node.get_closest_marker("own_nats_server") is None:
        account = shared_nats_servers.lease()
        try:
            yield account
        finally:
            shared_nats_servers.release(account)
        return
    server = NatsServer(tmp_path / "nats", tmp_path / "nats.log").start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=database_backends())
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of the test's own with no tables: where migrations are under test."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'reports.db'}"
        return
    yield from postgres_schema()


@pytest.fixture(scope="session")
def schema_template(tmp_path_factory: pytest.TempPathFactory) -> SchemaTemplate:
    return SchemaTemplate(tmp_path_factory.mktemp("schema"))


@pytest.fixture
def database_url(empty_database_url: str, schema_template: SchemaTemplate) -> str:
    """The store's database, of the test's own: SQLite comes at the schema head (a copy), PostgreSQL
    as an empty schema the store migrates."""
    return schema_template.at_head(empty_database_url)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
