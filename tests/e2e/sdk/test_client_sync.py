"""Every method of the synchronous `Client` against the whole platform."""

from __future__ import annotations

import pytest

from reports_sdk import (
    Client,
    ConfigurationError,
    Conflict,
    InvalidRequest,
    Job,
    JobCanceled,
    JobEvent,
    JobFailed,
    JobHandle,
    JobTimeout,
    Media,
    NotFound,
    ParagraphSection,
    Report,
    Resolution,
    Speaker,
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

FIXTURE_FORMATS = [
    ("buzzsprout-qa.vtt", "webvtt", "webvtt"),
    ("buzzsprout-qa.srt", "srt", "srt"),
    ("dosparlants.whisper.json", None, "whisperx"),
    ("spacewalk.assemblyai.json", None, "assemblyai"),
    ("spacewalk.deepgram.json", None, "deepgram"),
    ("ami-es2011a.segments.json", None, "segments"),
]


def _events(handle: JobHandle) -> list[JobEvent]:
    return list(handle.stream())


def test_media_create_registers_a_transcript_with_speakers_as_typed_media(client: Client):
    media = client.media.create(
        SEGMENTS,
        format="segments",
        speakers={"ana": "Ana Ruiz"},
        title="Pricing call",
        url="https://media.test/call.mp3",
    )
    assert isinstance(media, Media) and media.media_id.startswith("med_") and media.id == media.media_id
    assert (media.title, media.url, media.transcript_format) == (
        "Pricing call",
        "https://media.test/call.mp3",
        "segments",
    )
    ana = next(e for e in media.entities if e.id == "ana")
    assert ana.label == "Ana Ruiz" and ana.share > 0.5 and ana.turns == 3 and isinstance(ana.speaking_sec, float)
    # speakers as Speaker objects, and the format left to the server
    again = client.media.create(SEGMENTS, speakers=[Speaker(id="ben", label="Ben", description="AE")])
    assert again.transcript_format == "segments"
    assert next(e for e in again.entities if e.id == "ben").description == "AE"


@pytest.mark.parametrize(("name", "sent_format", "detected"), FIXTURE_FORMATS)
def test_media_create_from_file_takes_the_format_from_the_extension_or_leaves_json_to_the_server(
    client: Client, requests: Requests, name: str, sent_format: str | None, detected: str
):
    media = client.media.create_from_file(DATA / name)
    assert media.transcript_format == detected
    assert media.title == name and media.entities
    sent = requests.bodies("/v1/media")[-1]["transcript"]
    assert sent.get("format") == sent_format


def test_media_create_from_file_sniffs_the_content_when_the_extension_says_nothing(
    client: Client, tmp_path, requests: Requests
):
    path = tmp_path / "export.txt"
    path.write_bytes((DATA / "buzzsprout-qa.srt").read_bytes())
    media = client.media.create_from_file(path, speakers={"Travis": "Travis Albritton"}, title="Q&A")
    assert media.transcript_format == "srt" and media.title == "Q&A"
    assert requests.bodies("/v1/media")[-1]["transcript"]["format"] == "srt"
    assert any(e.label == "Travis Albritton" for e in media.entities)


def test_media_get_and_list_walk_every_page(client: Client):
    created = [client.media.create(SEGMENTS, title=f"page test {i}").media_id for i in range(3)]
    assert client.media.get(created[0]).media_id == created[0]

    pages = list(client.media.list(page_size=2).pages())
    assert len(pages) >= 2 and all(len(p.items) <= 2 for p in pages[:-1])
    listed = [m.media_id for m in client.media.list(page_size=2)]
    assert listed == [m.media_id for p in pages for m in p.items]
    assert len(listed) == len(set(listed))
    assert [i for i in listed if i in created] == created[::-1]  # newest first


def test_media_resolve_says_who_a_target_picks_and_a_miss_is_an_invalid_request(client: Client):
    media = client.media.create(SEGMENTS, speakers={"ana": "Ana Ruiz"})
    resolution = client.media.resolve(media.media_id, Target.entity("ben"))
    assert isinstance(resolution, Resolution)
    assert (resolution.entity.id, resolution.strategy, resolution.fell_back) == ("ben", "entity_id", False)
    assert resolution.evidence and resolution.evidence[0].end > resolution.evidence[0].start
    assert client.media.resolve(media.media_id, {"strategy": "dominant"}).entity.id == "ana"
    with pytest.raises(InvalidRequest) as miss:
        client.media.resolve(media.media_id, Target.entity("nobody"))
    assert miss.value.status == 400 and miss.value.code == "target_not_found"


def test_reports_create_then_wait_returns_the_typed_report(client: Client):
    media = client.media.create(SEGMENTS, speakers={"ana": "Ana Ruiz"})
    job = client.reports.create(
        media_id=media.media_id,
        template="general_report",
        target=Target.entity("ana"),
        label="q3-review",
        entity_label="Ana",
        template_params={"focus": "pricing"},
    )
    assert isinstance(job, JobHandle) and job.id.startswith("job_") and job.status in ("queued", "running")
    assert job.created is not None and job.created.job_id == job.id and job.replayed is False

    report = job.wait(timeout=60)
    assert isinstance(report, Report) and job.status == "succeeded"
    assert (report.job_id, report.label, report.output.template) == (job.id, "q3-review", "general_report")
    assert report.entity is not None and report.entity.id == "ana"
    assert report.media.media_id == media.media_id
    document = report.document
    assert document is not None and document.template == "general_report" and document.schema_version == 2
    assert any(isinstance(s, TraitsSection) and len(s.phrases) == 3 for s in document.sections)
    assert any(isinstance(s, ParagraphSection) for s in document.sections)
    assert document.meta.render.attempts >= 1 and document.meta.prompt.name == "general_report"
    assert report.markdown and report.markdown.startswith("#")

    assert client.reports.get(report.id) == report
    assert client.reports.by_job(job.id) == report
    assert job.report() == report
    refreshed = job.refresh()
    assert isinstance(refreshed, Job) and refreshed.report_id == report.id and refreshed.done
    assert refreshed.resolution is not None and refreshed.resolution.entity_id == "ana"
    assert client.jobs.get(job.id) == refreshed
    assert job.wait() == report  # a finished handle answers at once
    evidence = client.reports.evidence(report.id)
    assert evidence.report_id == report.id and evidence.entity.id == "ana"
    assert {s.key for s in evidence.sections} <= {s.key for s in document.sections}
    assert evidence.analytics.turns == 3 and isinstance(evidence.coverage.sufficient, bool)
    assert report.id in [r.id for r in client.reports.list(page_size=1)]


def test_reports_create_always_sends_an_idempotency_key_and_replays_a_repeated_key(client: Client, requests: Requests):
    media_id = client.media.create(SEGMENTS).media_id
    client.reports.create(media_id=media_id, template="sales_playbook")
    assert requests.bodies("/v1/reports/jobs")[-1]["idempotencyKey"].startswith("sdk-")

    first = client.reports.create(media_id=media_id, template="sales_playbook", idempotency_key="sync-key-1")
    again = client.reports.create(media_id=media_id, template="sales_playbook", idempotency_key="sync-key-1")
    assert again.id == first.id and again.replayed and not first.replayed
    with pytest.raises(Conflict) as conflict:
        client.reports.create(media_id=media_id, template="general_report", idempotency_key="sync-key-1")
    assert conflict.value.status == 409 and conflict.value.code == "idempotency_conflict"


def test_stream_yields_every_status_event_once_and_ends_at_the_terminal_one(client: Client):
    job = client.reports.create(media_id=client.media.create(SEGMENTS).media_id, template="sales_playbook")
    events = _events(job)
    assert events[-1].status == "succeeded" and events[-1].report_id and events[-1].done
    ids = [e.id for e in events]
    assert ids == sorted(set(ids)) and all(isinstance(i, int) for i in ids)
    assert all(e.job_id == job.id for e in events) and job.status == "succeeded"
    # after the end, a new stream is just the final state; resuming after it ends at once with it
    assert [(e.id, e.status) for e in client.jobs.stream(job.id)] == [(events[-1].id, "succeeded")]
    resumed = list(client.jobs.stream(job.id, last_event_id=events[-1].id))
    assert [e.status for e in resumed] == ["succeeded"]


def test_jobs_list_filters_by_status_and_walks_every_page(client: Client):
    media_id = client.media.create(SEGMENTS).media_id
    handles = [client.reports.create(media_id=media_id, template="sales_playbook") for _ in range(3)]
    for handle in handles:
        handle.wait(timeout=60)
    succeeded = list(client.jobs.list(status="succeeded", page_size=1))
    assert {h.id for h in handles} <= {j.job_id for j in succeeded}
    assert all(isinstance(j, Job) and j.status == "succeeded" for j in succeeded)
    everything = [j.job_id for j in client.jobs.list(page_size=2)]
    assert len(everything) == len(set(everything)) and {h.id for h in handles} <= set(everything)
    assert list(client.jobs.list(status="canceled")) == []


def test_jobs_cancel_returns_a_finished_job_unchanged(client: Client):
    job = client.reports.create(media_id=client.media.create(SEGMENTS).media_id, template="sales_playbook")
    job.wait(timeout=60)
    assert client.jobs.cancel(job.id).status == "succeeded"
    assert job.cancel().status == "succeeded" and job.status == "succeeded"


def test_errors_are_typed_with_status_code_details_and_request_id(client: Client, platform: Platform):
    with pytest.raises(NotFound) as missing:
        client.media.get("med_nope")
    assert (missing.value.status, missing.value.code) == (404, "media_not_found") and missing.value.request_id
    for call in (
        lambda: client.jobs.get("job_nope"),
        lambda: client.reports.get("rep_nope"),
        lambda: client.reports.by_job("job_nope"),
        lambda: client.jobs.cancel("job_nope"),
        lambda: list(client.jobs.stream("job_nope")),
    ):
        with pytest.raises(NotFound):
            call()

    media_id = client.media.create(SEGMENTS).media_id
    with pytest.raises(InvalidRequest) as invalid:
        client.reports.create(media_id=media_id, template="sales_playbook", target={"strategy": "entity_id"})
    assert invalid.value.status == 400 and invalid.value.code == "invalid_request"
    assert invalid.value.paths == ["/target/entity_id"] and "entity_id" in invalid.value.details[0].message
    with pytest.raises(InvalidRequest) as bad_status:
        list(client.jobs.list(status="lost"))
    assert bad_status.value.paths == ["?status"]
    with pytest.raises(InvalidRequest) as not_a_transcript:
        client.media.create("this is not a transcript")
    assert not_a_transcript.value.details and not_a_transcript.value.paths[0].startswith("/transcript")
    with pytest.raises(NotFound):
        client.reports.create(media_id="med_nope", template="sales_playbook")

    with Client(platform.gateway_url, "not-a-key") as stranger, pytest.raises(Unauthorized) as unauthorized:
        stranger.media.get(media_id)
    assert unauthorized.value.status == 401
    with Client(platform.gateway_url, KEY_B) as other_tenant, pytest.raises(NotFound):
        other_tenant.media.get(media_id)


def test_the_client_reads_its_url_and_key_from_the_environment(platform: Platform, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("REPORTS_BASE_URL", platform.gateway_url)
    monkeypatch.setenv("REPORTS_API_KEY", KEY_A)
    with Client() as client:
        assert client.base_url == platform.gateway_url
        assert client.media.create(SEGMENTS).entities
    monkeypatch.delenv("REPORTS_API_KEY")
    with pytest.raises(ConfigurationError):
        Client()


def test_cancel_a_running_job_and_wait_raises_job_canceled(slow_platform: Platform):
    with Client(slow_platform.gateway_url, KEY_A) as client:
        job = client.reports.create(media_id=client.media.create(SEGMENTS).media_id, template="sales_playbook")
        for event in job.stream():
            if event.stage == "rendering":
                break
        assert client.reports.by_job(job.id) is None and job.report() is None
        assert job.cancel().status == "canceled" and job.status == "canceled"
        with pytest.raises(JobCanceled) as canceled:
            job.wait()
        assert isinstance(canceled.value, JobFailed)
        assert canceled.value.code == "canceled" and canceled.value.job.status == "canceled"
        assert client.jobs.get(job.id).error is not None


def test_wait_with_a_timeout_raises_job_timeout_while_the_job_goes_on(slow_platform: Platform):
    with Client(slow_platform.gateway_url, KEY_A) as client:
        job = client.reports.create(media_id=client.media.create(SEGMENTS).media_id, template="sales_playbook")
        with pytest.raises(JobTimeout):
            job.wait(timeout=0.5)
        assert isinstance(job.wait(timeout=60), Report)


def test_wait_raises_job_failed_with_the_jobs_error_code(failing_platform: Platform):
    with Client(failing_platform.gateway_url, KEY_A) as client:
        job = client.reports.create(media_id=client.media.create(SEGMENTS).media_id, template="sales_playbook")
        with pytest.raises(JobFailed) as failed:
            job.wait(timeout=60)
        assert not isinstance(failed.value, JobCanceled)
        assert failed.value.code == "llm_unavailable" and failed.value.message
        assert failed.value.job.status == "failed" and failed.value.job.error.code == "llm_unavailable"
        events = list(job.stream())
        assert events[-1].status == "failed" and events[-1].error.code == "llm_unavailable"
        assert client.reports.by_job(job.id) is None
