from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from reports.v1 import media_pb2, resolver_pb2, store_pb2
from services.gateway import bodies, convert, pages, params, validation
from services.gateway.calls import call

MEDIA_TIMEOUT_S = 60.0


async def create_media(request: Request) -> JSONResponse:
    c = call(request)
    body = await bodies.json_object(request, request.app.state.settings.media_body_limit)
    validation.create_media(body)
    transcript = body["transcript"]
    content = transcript["content"]
    message = store_pb2.CreateMediaRequest(
        tenant=c.tenant,
        title=body.get("title", ""),
        transcript=store_pb2.TranscriptInput(
            format=transcript.get("format", ""),
            content=content if isinstance(content, str) else json.dumps(content),
        ),
        speakers=[media_pb2.SpeakerInfo(**s) for s in body.get("speakers", [])],
    )
    if "url" in body:
        message.url = body["url"]
    if "retentionDays" in body:
        # JSON Schema's integer includes 30.0, which protobuf's int field refuses as a float
        message.retention_days = int(body["retentionDays"])
    if "expiresAt" in body:
        message.expires_at.FromDatetime(validation.expires_at(body["expiresAt"], "/expiresAt"))
    default_days = request.app.state.settings.retention_days.get(c.tenant)
    if default_days is not None:
        message.default_retention_days = default_days
    media = await c.backends.store.CreateMedia(message, timeout=max(c.timeout, MEDIA_TIMEOUT_S), metadata=c.metadata)
    return JSONResponse(convert.media_json(media), status_code=201, headers={"Location": f"/v1/media/{media.id}"})


async def get_media(request: Request) -> JSONResponse:
    c = call(request)
    media = await c.backends.store.GetMedia(
        store_pb2.GetMediaRequest(tenant=c.tenant, media_id=params.resource_id(request, "media_id", "media")),
        timeout=c.timeout,
        metadata=c.metadata,
    )
    return pages.resource_response("media", convert.media_json(media))


async def list_media(request: Request) -> JSONResponse:
    c = call(request)
    page = await c.backends.store.ListMedia(
        store_pb2.ListMediaRequest(tenant=c.tenant, limit=params.limit(request), cursor=params.cursor(request)),
        timeout=c.timeout,
        metadata=c.metadata,
    )
    return pages.page_response("media", page.items, convert.media_json, page.next_cursor)


async def resolve(request: Request) -> JSONResponse:
    c = call(request)
    body = await bodies.json_object(request, request.app.state.settings.job_body_limit)
    validation.target(body)
    resolution = await c.backends.resolver.ResolveTarget(
        resolver_pb2.ResolveTargetRequest(
            tenant=c.tenant,
            media_id=params.resource_id(request, "media_id", "media"),
            target=convert.target_message(body),
        ),
        timeout=c.timeout,
        metadata=c.metadata,
    )
    return JSONResponse(convert.resolution_json(resolution))


routes = [
    Route("/v1/media", create_media, methods=["POST"]),
    Route("/v1/media", list_media, methods=["GET"]),
    Route("/v1/media/{media_id}", get_media, methods=["GET"]),
    Route("/v1/media/{media_id}/resolve", resolve, methods=["POST"]),
]
