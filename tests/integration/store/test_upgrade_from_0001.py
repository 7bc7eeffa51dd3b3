"""A database made by the store before migrations upgrades on start, and reads back unchanged."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect

from services.store import migrate
from services.store.db import create_db_engine
from tests.integration.store import legacy_schema
from tests.support.tenants import AUTH_A, AUTH_B


@pytest.fixture
def database_url(empty_database_url: str, tmp_path: Path) -> Iterator[str]:
    legacy_schema.make(empty_database_url, tmp_path)
    yield empty_database_url


async def test_the_old_media_jobs_and_reports_read_back_unchanged_after_the_upgrade(gateway, database_url):
    for path, read in legacy_schema.api_reads().items():
        response = await gateway.client.get(path, headers=AUTH_A if read["tenant"] == "tenant-a" else AUTH_B)
        assert response.status_code == 200, (path, response.text)
        legacy_schema.contains(read["body"], response.json(), path)
    engine = create_db_engine(database_url)
    try:
        with engine.connect() as connection:
            assert migrate.current(connection) == migrate.head()
            assert "alembic_version" in inspect(connection).get_table_names()
    finally:
        engine.dispose()


async def test_the_upgraded_database_takes_new_jobs_on_the_old_media(gateway):
    media_id = next(
        read["body"]["mediaId"]
        for path, read in legacy_schema.api_reads().items()
        if path.startswith("/v1/media/") and read["tenant"] == "tenant-a"
    )
    response = await gateway.client.post(
        "/v1/reports/jobs",
        headers=AUTH_A,
        json={
            "media": {"mediaId": media_id},
            "output": {"template": "sales_playbook"},
            "target": {"strategy": "dominant", "on_miss": "error"},
        },
    )
    assert response.status_code == 202, response.text
    listed = await gateway.client.get("/v1/jobs", headers=AUTH_A)
    assert response.json()["jobId"] in [j["jobId"] for j in listed.json()["items"]]
