"""Versioned prompts with movable labels, and the wait estimate at job creation."""

from __future__ import annotations

import grpc
import pytest

from reports.v1 import store_pb2
from tests.integration.store.test_outbox import _job_request, _media


async def test_prompts_are_seeded_and_new_versions_take_labels_from_old_ones(store_stub):
    seeded = await store_stub.GetPrompt(store_pb2.GetPromptRequest(name="general_report", label="production"))
    assert (seeded.version, list(seeded.labels)) == (1, ["production", "latest"])

    added = await store_stub.CreatePromptVersion(
        store_pb2.CreatePromptVersionRequest(
            name="general_report",
            system=seeded.system,
            instructions=seeded.instructions + " Be brief.",
            variables=seeded.variables,
        )
    )
    assert (added.version, list(added.labels)) == (2, ["latest"])
    production = await store_stub.GetPrompt(store_pb2.GetPromptRequest(name="general_report", label="production"))
    assert production.version == 1

    moved = await store_stub.SetPromptLabels(
        store_pb2.SetPromptLabelsRequest(name="general_report", version=2, labels=["production"])
    )
    assert list(moved.labels) == ["latest", "production"]
    old = await store_stub.GetPrompt(store_pb2.GetPromptRequest(name="general_report", version=1))
    assert list(old.labels) == []


async def test_an_unknown_prompt_label_is_not_found(store_stub):
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await store_stub.GetPrompt(store_pb2.GetPromptRequest(name="general_report", label="canary"))
    assert raised.value.code() == grpc.StatusCode.NOT_FOUND


async def test_the_wait_estimate_is_zero_when_idle_and_grows_with_the_queue(store_stub):
    media_id = await _media(store_stub)
    first = await store_stub.CreateJob(_job_request(media_id))
    assert first.estimated_wait_sec == 0
    estimates = [(await store_stub.CreateJob(_job_request(media_id))).estimated_wait_sec for _ in range(9)]
    # capacity 4 in these tests: from the fifth job on, a new job waits for a round of others
    assert estimates[:3] == [0, 0, 0]
    assert all(e > 0 for e in estimates[3:])
    assert estimates == sorted(estimates)
