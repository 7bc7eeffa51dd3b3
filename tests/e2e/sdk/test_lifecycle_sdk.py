"""Deleting through the SDK and the CLI, and reading the audit log, against the whole platform."""

from __future__ import annotations

import pytest

from reports_sdk import AsyncClient, AuditRecord, Client, NotFound
from services.gateway.auth import key_id
from stack.platform import Platform
from tests.e2e.sdk.test_cli import _add_media, run
from tests.support.api import SEGMENTS
from tests.support.tenants import KEY_A

pytestmark = pytest.mark.shared_platform  # its tests only call the API


def test_deleting_a_report_then_its_media_and_reading_the_audit_log(client: Client):
    media = client.media.create(SEGMENTS, format="segments", retention_days=30)
    assert media.expires_at is not None
    job = client.reports.create(media_id=media.media_id, template="sales_playbook")
    report = job.wait(timeout=120)
    assert report.expires_at == media.expires_at

    client.reports.delete(report.id)
    after = client.jobs.get(job.id)
    assert (after.status, after.report_id, after.report_deleted) == ("succeeded", None, True)
    client.media.delete(media.media_id)
    with pytest.raises(NotFound):
        client.media.get(media.media_id)
    with pytest.raises(NotFound):
        client.media.delete(media.media_id)

    records = [r for r in client.audit.list() if r.object_id in (report.id, media.media_id)]
    assert all(isinstance(r, AuditRecord) for r in records)
    assert [(r.object_type, r.object_id, r.reason, r.api_key_id) for r in records] == [
        ("media", media.media_id, "request", key_id(KEY_A)),
        ("report", report.id, "request", key_id(KEY_A)),
    ]
    assert records[0].derived == {"jobs": 1, "reports": 0, "entities": 2}


async def test_the_async_client_deletes_a_job(aclient: AsyncClient):
    media = await aclient.media.create(SEGMENTS, format="segments")
    job = await aclient.reports.create(media_id=media.media_id, template="sales_playbook")
    await aclient.jobs.delete(job.id)
    with pytest.raises(NotFound):
        await aclient.jobs.get(job.id)
    assert [r.object_id async for r in aclient.audit.list(page_size=1)][0] == job.id  # noqa: RUF015 - next() takes no async iterator


def test_the_cli_deletes_a_media_and_lists_the_audit_log(platform: Platform):
    media_id = _add_media(platform)
    deleted = run(platform, "delete", "media", media_id)
    assert deleted.returncode == 0, deleted.stderr
    assert deleted.stdout == "" and f"deleted media {media_id}" in deleted.stderr
    again = run(platform, "delete", "media", media_id)
    assert again.returncode == 2 and "not found" in again.stderr
    audit = run(platform, "audit", "--limit", "5")
    assert audit.returncode == 0 and media_id in audit.stdout and "request" in audit.stdout
