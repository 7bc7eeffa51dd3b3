"""A target resolved against a real store, as every renderer does for its jobs: the transcript read
once however many jobs ask for it together, another tenant's media never served from the cache, and
the cache bounded by its transcripts' size."""

from __future__ import annotations

import asyncio

import pytest

from reports.v1 import media_pb2, target_pb2
from services.common.rpc_errors import ServiceError
from services.resolver.media_resolver import MediaCache, MediaResolver
from tests.integration.renderer.test_job_runner import CountingStore
from tests.integration.store.test_outbox import _media

DOMINANT = target_pb2.Target(strategy="dominant", on_miss="error")


async def test_jobs_on_a_new_media_together_read_its_transcript_once(store_stub):
    media_id = await _media(store_stub)
    counting = CountingStore(store_stub)
    resolver = MediaResolver(counting)  # type: ignore[arg-type]
    resolutions = await asyncio.gather(*(resolver.resolve("t", media_id, DOMINANT) for _ in range(8)))
    assert len({r.entity.id for r in resolutions}) == 1 and resolutions[0].evidence
    assert counting.calls["GetMedia"] == 1


async def test_another_tenants_media_is_not_found_though_its_owner_has_it_cached(store_stub):
    media_id = await _media(store_stub, tenant="t")
    resolver = MediaResolver(store_stub)
    await resolver.resolve("t", media_id, DOMINANT)
    with pytest.raises(ServiceError) as raised:
        await resolver.resolve("intruder", media_id, DOMINANT)
    assert raised.value.code == "media_not_found"


async def test_a_target_that_is_not_there_is_target_not_found(store_stub):
    media_id = await _media(store_stub)
    with pytest.raises(ServiceError) as raised:
        await MediaResolver(store_stub).resolve(
            "t", media_id, target_pb2.Target(strategy="entity_id", entity_id="Nobody", on_miss="error")
        )
    assert raised.value.code == "target_not_found"


def _media_of(chars: int) -> media_pb2.Media:
    return media_pb2.Media(id="m", title="x" * chars)


def test_the_cache_keeps_the_latest_transcripts_within_its_bytes():
    cache = MediaCache(size=10, max_bytes=3_000)
    for name in ("a", "b", "c"):
        cache.put(("t", name), _media_of(1_000))
    assert [cache.get(("t", name)) is not None for name in ("a", "b", "c")] == [False, True, True]
    cache.put(("t", "huge"), _media_of(5_000))  # larger than the whole cache: not kept
    assert cache.get(("t", "huge")) is None and cache.get(("t", "c")) is not None
