"""Real parts for tests: a nats-server process, the store's gRPC server, SQLite or PostgreSQL."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from stack import certificates
from stack.nats_server import NatsServer
from tests.support.names import no_public_lookups  # noqa: F401  (autouse: no test asks DNS for a public name)

SHARED_DATA = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "transcripts"
POSTGRES_URL = os.environ.get("REPORTS_TEST_POSTGRES_URL", "")


def database_backends() -> list[str]:
    """SQLite everywhere; PostgreSQL too where REPORTS_TEST_POSTGRES_URL names one (CI does)."""
    return ["sqlite", "postgres"] if POSTGRES_URL else ["sqlite"]


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


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[NatsServer]:
    server = NatsServer(tmp_path / "nats", tmp_path / "nats.log").start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=database_backends())
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'reports.db'}"
        return
    yield from _postgres_schema()


def _postgres_schema() -> Iterator[str]:
    """A fresh schema per test, so tests never share rows or clean up by deleting them."""
    import psycopg

    schema = f"t_{secrets.token_hex(6)}"
    base = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


