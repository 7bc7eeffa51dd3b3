"""Resolving a target in a stored media: fetch its transcript from the store (kept in a small
cache: media never change once stored), resolve, answer with the evidence as a Resolution.

The resolver service answers the gateway's preview route with it, and each renderer resolves its
jobs with it in its own process: one gRPC hop fewer in every job's path (the render command to
the claim), against a GetMedia per media the renderer has not seen lately.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable, Sequence

import grpc

from reports.v1 import media_pb2, resolver_pb2, store_pb2, store_pb2_grpc, target_pb2
from services.common import cpu
from services.common.rpc_errors import FieldProblem, ServiceError, failed_precondition, from_rpc_error, invalid
from services.domain.segments import Segment
from services.resolver.errors import InvalidTarget, TargetNotFound
from services.resolver.model import Speaker, TargetSpec
from services.resolver.resolve import resolve
from services.resolver.settings import ResolveSettings

STORE_TIMEOUT_S = 30.0
CACHE_BYTES = 256 * 1024 * 1024  # transcripts are up to 20 MiB each; every renderer holds its own cache
Metadata = Sequence[tuple[str, str]]


def target_spec(target: target_pb2.Target) -> TargetSpec:
    timerange = target.timerange if target.HasField("timerange") else None
    return TargetSpec(
        strategy=target.strategy,
        on_miss=target.on_miss or "error",
        entity_id=target.entity_id if target.HasField("entity_id") else None,
        hint=target.hint if target.HasField("hint") else None,
        start_seconds=timerange.start_seconds if timerange and timerange.HasField("start_seconds") else None,
        end_seconds=timerange.end_seconds if timerange and timerange.HasField("end_seconds") else None,
    )


class MediaCache:
    """The last transcripts read, at most `size` of them and `max_bytes` together, least recently
    used out first."""

    def __init__(self, size: int = 64, max_bytes: int = CACHE_BYTES) -> None:
        self._size = size
        self._max_bytes = max_bytes
        self._bytes = 0
        self._items: OrderedDict[tuple[str, str], tuple[media_pb2.Media, int]] = OrderedDict()

    def get(self, key: tuple[str, str]) -> media_pb2.Media | None:
        item = self._items.get(key)
        if item is None:
            return None
        self._items.move_to_end(key)
        return item[0]

    def put(self, key: tuple[str, str], media: media_pb2.Media) -> None:
        size = media.ByteSize()
        if size > self._max_bytes:
            return
        previous = self._items.pop(key, None)
        if previous is not None:
            self._bytes -= previous[1]
        self._items[key] = (media, size)
        self._bytes += size
        while len(self._items) > self._size or self._bytes > self._max_bytes:
            _, (_, evicted) = self._items.popitem(last=False)
            self._bytes -= evicted


class MediaResolver:
    """`resolve` raises ServiceError: `target_not_found` and `invalid_target` for the target, the
    store's own error (`media_not_found`, or one to retry) for the media."""

    def __init__(self, store: store_pb2_grpc.StoreAsyncStub, settings: ResolveSettings = ResolveSettings()) -> None:
        self._store = store
        self._settings = settings
        self._cache = MediaCache()
        self._reading: dict[tuple[str, str], asyncio.Future[media_pb2.Media]] = {}  # one GetMedia per media

    async def resolve(
        self,
        tenant: str,
        media_id: str,
        target: target_pb2.Target,
        *,
        timeout_s: float = STORE_TIMEOUT_S,
        metadata: Metadata = (),
    ) -> resolver_pb2.Resolution:
        media = await self._media(tenant, media_id, timeout_s, metadata)
        work: Callable[[], resolver_pb2.Resolution] = lambda: self._resolve(media, target)  # noqa: E731
        # a small transcript resolves in less time than the hop to a worker thread takes
        return work() if media.ByteSize() < cpu.INLINE_BYTES else await cpu.run(work)

    async def _media(self, tenant: str, media_id: str, timeout_s: float, metadata: Metadata) -> media_pb2.Media:
        """The media from the cache, else from the store; jobs on a media not read yet wait for the
        one read already under way rather than each reading (and holding) a copy."""
        key = (tenant, media_id)
        media = self._cache.get(key)
        if media is not None:
            return media
        reading = self._reading.get(key)
        if reading is not None:
            return await asyncio.shield(reading)
        reading = self._reading[key] = asyncio.get_running_loop().create_future()
        try:
            media = await self._store.GetMedia(
                store_pb2.GetMediaRequest(tenant=tenant, media_id=media_id, include_segments=True),
                timeout=timeout_s,
                metadata=metadata,
            )
        except grpc.aio.AioRpcError as exc:
            error = from_rpc_error(exc)
            self._settle(reading, error)
            raise error from None
        except BaseException:  # this read was cancelled: its waiters' jobs are retried
            self._settle(
                reading, ServiceError(grpc.StatusCode.UNAVAILABLE, "unavailable", "the transcript's read was given up")
            )
            raise
        finally:
            del self._reading[key]
        self._cache.put(key, media)
        reading.set_result(media)
        return media

    @staticmethod
    def _settle(reading: asyncio.Future[media_pb2.Media], error: ServiceError) -> None:
        reading.set_exception(error)
        reading.exception()  # marked retrieved: there may be no waiter

    def _resolve(self, media: media_pb2.Media, target: target_pb2.Target) -> resolver_pb2.Resolution:
        segments = [Segment(s.speaker, s.start, s.end, s.text) for s in media.segments]
        speakers = [
            Speaker(
                e.id,
                e.label if e.HasField("label") else None,
                e.description if e.HasField("description") else None,
                e.analytics.speaking_sec,
                e.analytics.words,
                e.analytics.first_spoke_at,
            )
            for e in media.entities
        ]
        try:
            found = resolve(
                segments,
                speakers,
                target_spec(target),
                evidence_budget_chars=self._settings.evidence_budget_chars,
                hint_threshold=self._settings.hint_threshold,
            )
        except TargetNotFound as miss:
            raise failed_precondition("target_not_found", miss.message) from None
        except InvalidTarget as bad:
            raise invalid("invalid_target", bad.message, [FieldProblem(f"/target/{bad.field}", bad.message)]) from None
        entity = next(e for e in media.entities if e.id == found.entity_id)
        return resolver_pb2.Resolution(
            entity=entity,
            strategy=found.strategy,
            fell_back=found.fell_back,
            confidence=found.confidence,
            reason=found.reason,
            evidence=[
                media_pb2.Segment(speaker=s.speaker, start=s.start, end=s.end, text=s.text) for s in found.evidence
            ],
            spans=[
                resolver_pb2.EvidenceSpan(start=s.start, end=s.end)
                for s in found.evidence
                if s.speaker == found.entity_id
            ],
            media_title=media.title,
            media_duration_sec=media.duration_sec,
            entities=list(media.entities),
        )
