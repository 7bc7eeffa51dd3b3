"""reports-admin requeue: after a restore (PostgreSQL's included), every job that had not ended is
queued again, once."""

from __future__ import annotations

from sqlalchemy import select

from reports.v1 import job_pb2
from services.common import streams
from services.store import admin
from services.store.tables import OUTBOX
from tests.integration.helpers import complete_job
from tests.integration.store.test_outbox import _job_request, _media


async def test_requeue_queues_every_job_that_has_not_ended_once(store, store_stub, database_url, monkeypatch):
    media_id = await _media(store_stub)
    open_jobs = {(await store_stub.CreateJob(_job_request(media_id))).job_id for _ in range(2)}
    done = (await store_stub.CreateJob(_job_request(media_id))).job_id
    await complete_job(store_stub, "t", done)
    store.relay.stop()  # what requeue leaves unsent is read below, before any relay publishes it
    await store.relay_task
    monkeypatch.setenv("REPORTS_DATABASE_URL", database_url)
    admin.main(["requeue"])
    admin.main(["requeue"])  # twice: still one unsent command per open job
    rows = await store.db.run(
        lambda c: c.execute(
            select(OUTBOX.c.payload).where(OUTBOX.c.subject == streams.RENDER_SUBJECT, OUTBOX.c.sent_at.is_(None))
        ).all()
    )
    assert sorted(job_pb2.RenderCommand.FromString(r.payload).job_id for r in rows) == sorted(open_jobs)
