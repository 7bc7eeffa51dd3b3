"""Every method of `AsyncClient` against the whole platform: the same behaviour as `Client`, awaited."""

from __future__ import annotations

import pytest

from reports_sdk import (
    AsyncClient,
    AsyncJobHandle,
    Conflict,
    InvalidRequest,
    Job,
    JobCanceled,
    JobFailed,
    JobTimeout,
    Media,
    NotFound,
    Report,
    Resolution,
    Target,
    TraitsSection,
    Unauthorized,
)
from stack.platform import Platform
from tests.support.api import SEGMENTS
from tests.support.sent_requests import Requests
from tests.support.tenants import KEY_A, KEY_B
from tests.support.transcripts import DATA

pytestmark = pytest.mark.shared_platform  # its tests only call the API


async def test_media_create_get_list_and_resolve(aclient: AsyncClient, requests: Requests):
    media = await aclient.media.create(SEGMENTS, format="segments", speakers={"ana": "Ana Ruiz"}, title="async")
    assert isinstance(media, Media) and media.title == "async"
    assert next(e for e in media.entities if e.id == "ana").label == "Ana Ruiz"
    assert await aclient.media.get(media.media_id) == media

    from_file = await aclient.media.create_from_file(DATA / "dosparlants.vtt", title="Dos parlants")
    assert from_file.transcript_format == "webvtt" and from_file.title == "Dos parlants"
    assert requests.bodies("/v1/media")[-1]["transcript"]["format"] == "webvtt"
    json_file = await aclient.media.create_from_file(DATA / "spacewalk.deepgram.json")
    assert json_file.transcript_format == "deepgram"

    pages = [page async for page in aclient.media.list(page_size=2).pages()]
    assert len(pages) >= 2
    listed = [m.media_id async for m in aclient.media.list(page_size=2)]
    assert listed[:3] == [json_file.media_id, from_file.media_id, media.media_id]
    assert listed == [m.media_id for p in pages for m in p.items]
    assert [m.media_id for m in await aclient.media.list().collect()] == listed

    resolution = await aclient.media.resolve(media.media_id, Target.magic_hint("the CFO"))
    assert isinstance(resolution, Resolution) and resolution.entity.id == "ana"
    with pytest.raises(InvalidRequest) as miss:
        await aclient.media.resolve(media.media_id, Target.entity("nobody"))
    assert miss.value.code == "target_not_found"


async def test_reports_create_stream_and_wait(aclient: AsyncClient, requests: Requests):
    media_id = (await aclient.media.create(SEGMENTS)).media_id
    job = await aclient.reports.create(media_id=media_id, template="sales_playbook", label="async-label")
    assert isinstance(job, AsyncJobHandle) and job.status in ("queued", "running")
    assert requests.bodies("/v1/reports/jobs")[-1]["idempotencyKey"].startswith("sdk-")

    events = [event async for event in job.stream()]
    assert events[-1].status == "succeeded" and events[-1].report_id
    ids = [e.id for e in events]
    assert ids == sorted(set(ids))
    report = await job.wait()
    assert isinstance(report, Report) and report.id == events[-1].report_id and report.label == "async-label"
    assert any(isinstance(s, TraitsSection) for s in report.document.sections)
    assert await aclient.reports.get(report.id) == report
    assert await aclient.reports.by_job(job.id) == report
    assert await job.report() == report
    assert (await aclient.reports.evidence(report.id)).report_id == report.id
    job_now = await job.refresh()
    assert isinstance(job_now, Job) and job_now.report_id == report.id
    assert await aclient.jobs.get(job.id) == job_now
    assert report.id in [r.id async for r in aclient.reports.list(page_size=1)]
    assert job.id in [j.job_id async for j in aclient.jobs.list(status="succeeded", page_size=1)]
    assert (await aclient.jobs.cancel(job.id)).status == "succeeded"
    assert [e.status async for e in aclient.jobs.stream(job.id)] == ["succeeded"]


async def test_idempotent_create_replays_and_conflicts(aclient: AsyncClient):
    media_id = (await aclient.media.create(SEGMENTS)).media_id
    first = await aclient.reports.create(media_id=media_id, template="sales_playbook", idempotency_key="async-k")
    again = await aclient.reports.create(media_id=media_id, template="sales_playbook", idempotency_key="async-k")
    assert again.id == first.id and again.replayed
    with pytest.raises(Conflict):
        await aclient.reports.create(media_id=media_id, template="general_report", idempotency_key="async-k")


async def test_errors_are_typed(aclient: AsyncClient, platform: Platform):
    with pytest.raises(NotFound) as missing:
        await aclient.jobs.get("job_nope")
    assert missing.value.status == 404 and missing.value.request_id
    with pytest.raises(NotFound):
        await aclient.reports.by_job("job_nope")
    with pytest.raises(NotFound):
        [e async for e in aclient.jobs.stream("job_nope")]
    media_id = (await aclient.media.create(SEGMENTS)).media_id
    with pytest.raises(InvalidRequest) as invalid:
        await aclient.reports.create(media_id=media_id, template="sales_playbook", target=Target(strategy="magic_hint"))
    assert invalid.value.paths == ["/target/hint"]
    async with AsyncClient(platform.gateway_url, "wrong") as stranger:
        with pytest.raises(Unauthorized):
            await stranger.media.get(media_id)
    async with AsyncClient(platform.gateway_url, KEY_B) as other_tenant:
        with pytest.raises(NotFound):
            await other_tenant.media.get(media_id)


async def test_cancel_and_timeout_on_a_slow_job(slow_platform: Platform):
    async with AsyncClient(slow_platform.gateway_url, KEY_A) as client:
        media_id = (await client.media.create(SEGMENTS)).media_id
        slow = await client.reports.create(media_id=media_id, template="sales_playbook")
        with pytest.raises(JobTimeout):
            await slow.wait(timeout=0.5)
        job = await client.reports.create(media_id=media_id, template="sales_playbook")
        async for event in job.stream():
            if event.stage in ("resolving", "rendering"):
                break
        assert await client.reports.by_job(job.id) is None
        assert (await job.cancel()).status == "canceled"
        with pytest.raises(JobCanceled) as canceled:
            await job.wait()
        assert canceled.value.code == "canceled"
        assert isinstance(await slow.wait(timeout=60), Report)


async def test_wait_raises_job_failed_with_the_code(failing_platform: Platform):
    async with AsyncClient(failing_platform.gateway_url, KEY_A) as client:
        job = await client.reports.create(
            media_id=(await client.media.create(SEGMENTS)).media_id, template="general_report"
        )
        with pytest.raises(JobFailed) as failed:
            await job.wait(timeout=60)
        assert failed.value.code == "llm_unavailable" and failed.value.job.status == "failed"
        assert job.status == "failed"
