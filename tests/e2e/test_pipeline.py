"""A job created over REST becomes a stored, contract-valid report, watched live over SSE."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator

from services import contracts
from services.domain.templates import TEMPLATES
from tests.support.api import Api
from tests.support.tenants import AUTH_B

pytestmark = pytest.mark.shared_platform  # its tests only call the API (one starts a platform of its own)


@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_a_job_becomes_a_contract_valid_report_for_each_template(api: Api, template: str):
    media = api.media(speakers=[{"id": "ana", "label": "Ana Ruiz", "description": "CFO"}])
    job_id = api.job(media["mediaId"], template=template, label="Q3 deal")
    events = api.events(job_id)
    statuses = [(e["status"], e["stage"]) for _, e in events]
    assert statuses[-1][0] == "succeeded"
    assert [i for i, _ in events] == sorted(i for i, _ in events)
    report = api.http.get(f"/v1/reports/by-job/{job_id}").json()
    Draft202012Validator(contracts.schema(contracts.REPORT_RESPONSE)).validate(report)
    assert report["id"] == events[-1][1]["reportId"]
    assert report["label"] == "Q3 deal"
    assert report["entity"] == {"id": "ana", "label": "Ana Ruiz"}
    document = report["json"]
    assert [s["key"] for s in document["sections"]] == [s.key for s in TEMPLATES[template]]
    assert document["meta"]["prompt"] == {"name": template, "version": 1, "labels": ["production", "latest"]}
    assert document["meta"]["render"]["attempts"] == 1
    assert "dev-llm" in document["meta"]["render"]["model"]
    traits = next(s for s in document["sections"] if s["key"] == "dominating_traits")
    assert len(traits["phrases"]) == 3
    assert report["markdown"].startswith(f"# {document['title']}")
    assert api.http.get(f"/v1/reports/{report['id']}").json() == report


def test_entity_label_overrides_the_speakers_label_in_the_report(api: Api):
    media = api.media(speakers=[{"id": "ana", "label": "Ana Ruiz"}])
    job = api.wait(api.job(media["mediaId"], entityLabel="The CFO"))
    report = api.http.get(f"/v1/reports/{job['reportId']}").json()
    assert report["entity"] == {"id": "ana", "label": "The CFO"}


@pytest.mark.parametrize(
    ("target", "picked", "strategy"),
    [
        ({"strategy": "dominant", "on_miss": "error"}, "ana", "dominant"),
        ({"strategy": "entity_id", "on_miss": "error", "entity_id": "ben"}, "ben", "entity_id"),
        (
            {"strategy": "timerange", "on_miss": "error", "timerange": {"start_seconds": 7, "end_seconds": 12.5}},
            "ben",
            "timerange",
        ),
        (
            {"strategy": "timerange", "on_miss": "error", "timerange": {"start_seconds": None, "end_seconds": 9}},
            "ana",
            "timerange",
        ),
        ({"strategy": "magic_hint", "on_miss": "error", "hint": "the CFO"}, "ana", "magic_hint"),
        ({"strategy": "magic_hint", "on_miss": "error", "hint": "Ben from Acme"}, "ben", "magic_hint"),
    ],
)
def test_each_strategy_picks_its_speaker_in_the_preview_and_the_job(api: Api, target, picked, strategy):
    media_id = api.media()["mediaId"]
    preview = api.http.post(f"/v1/media/{media_id}/resolve", json=target)
    assert preview.status_code == 200, preview.text
    body = preview.json()
    assert (body["entity"]["id"], body["strategy"], body["fellBack"]) == (picked, strategy, False)
    assert body["reason"] and 0 < body["confidence"] <= 1
    assert body["evidence"] and all(span["end"] >= span["start"] for span in body["evidence"])
    job = api.wait(api.job(media_id, target=target))
    assert job["status"] == "succeeded"
    assert (job["resolution"]["entityId"], job["resolution"]["fellBack"]) == (picked, False)


@pytest.mark.parametrize(
    "target",
    [
        {"strategy": "entity_id", "on_miss": "error", "entity_id": "carla"},
        {"strategy": "magic_hint", "on_miss": "error", "hint": "the head of marketing at Globex"},
        {"strategy": "timerange", "on_miss": "error", "timerange": {"start_seconds": 500, "end_seconds": 600}},
    ],
)
def test_a_miss_with_on_miss_error_fails_the_job_with_target_not_found(api: Api, target):
    media_id = api.media()["mediaId"]
    preview = api.http.post(f"/v1/media/{media_id}/resolve", json=target)
    assert preview.status_code == 400
    assert preview.json()["error"]["code"] == "target_not_found"
    job = api.wait(api.job(media_id, target=target))
    assert job["status"] == "failed"
    assert job["error"]["code"] == "target_not_found"
    assert job["error"]["message"]
    assert api.http.get(f"/v1/reports/by-job/{job['jobId']}").json() is None


def test_a_miss_with_fallback_dominant_takes_the_dominant_speaker_and_says_so(api: Api):
    media_id = api.media()["mediaId"]
    target = {"strategy": "entity_id", "on_miss": "fallback_dominant", "entity_id": "carla"}
    preview = api.http.post(f"/v1/media/{media_id}/resolve", json=target).json()
    assert (preview["entity"]["id"], preview["strategy"], preview["fellBack"]) == ("ana", "dominant", True)
    job = api.wait(api.job(media_id, target=target))
    assert job["status"] == "succeeded"
    assert job["resolution"]["fellBack"] is True
    assert "carla" in job["resolution"]["reason"]


def test_resolve_preview_of_another_tenants_media_is_404(api: Api):
    media_id = api.media()["mediaId"]
    theirs = Api(api.base_url, AUTH_B)
    response = theirs.http.post(f"/v1/media/{media_id}/resolve", json={"strategy": "dominant", "on_miss": "error"})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "media_not_found"


def test_resolve_preview_rejects_a_target_that_breaks_the_contract(api: Api):
    media_id = api.media()["mediaId"]
    response = api.http.post(f"/v1/media/{media_id}/resolve", json={"strategy": "magic_hint", "on_miss": "error"})
    assert response.status_code == 400
    assert response.json()["error"]["details"][0]["path"] == "/hint"


def test_a_job_renders_with_the_production_prompt_and_records_which(start_platform):
    import asyncio

    from reports.v1 import store_pb2, store_pb2_grpc
    from services.common import grpc_server
    from tests.support.tenants import AUTH_A

    platform = start_platform()

    async def promote_a_second_version() -> None:
        channel = grpc_server.channel(platform.addresses["store"])
        stub = store_pb2_grpc.StoreStub(channel)
        current = await stub.GetPrompt(store_pb2.GetPromptRequest(name="sales_playbook", label="production"))
        await stub.CreatePromptVersion(
            store_pb2.CreatePromptVersionRequest(
                name="sales_playbook",
                system=current.system,
                instructions=current.instructions,
                variables=current.variables,
                labels=["production"],
            )
        )
        await channel.close()

    asyncio.run(promote_a_second_version())
    api = Api(platform.gateway_url, AUTH_A)
    job = api.wait(api.job(api.media()["mediaId"]))
    prompt = api.http.get(f"/v1/reports/{job['reportId']}").json()["json"]["meta"]["prompt"]
    assert prompt == {"name": "sales_playbook", "version": 2, "labels": ["latest", "production"]}
