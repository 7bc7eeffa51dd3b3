"""Registering recordings: parse the transcript, name the speakers, compute their analytics."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy import insert as sql_insert
from sqlalchemy.engine import Connection, Row

from reports.v1 import store_pb2
from services.common import ids
from services.common.rpc_errors import FieldProblem, invalid, not_found
from services.common.timeutil import utcnow
from services.store import paging
from services.store.tables import ENTITIES, MEDIA, EntityRow, MediaRow
from services.store.transcripts import TranscriptError, compute_analytics, parse_transcript, speaker_ids

JSON_FORMATS = {"segments", "whisperx", "assemblyai", "deepgram"}


def _decode_content(format_: str, content: str) -> object:
    """JSON formats arrive as JSON text; the parsers take the decoded value or the text."""
    if format_ in JSON_FORMATS:
        try:
            return json.loads(content)
        except json.JSONDecodeError:
            return content
    return content


def prepare(request: store_pb2.CreateMediaRequest) -> tuple[MediaRow, list[EntityRow]]:
    """The media and its speakers from the request, not yet stored: parsing needs no database."""
    format_ = request.transcript.format or None
    try:
        parsed = parse_transcript(format_, _decode_content(format_ or "", request.transcript.content))
    except TranscriptError as exc:
        raise invalid(exc.code, exc.message, [FieldProblem("/transcript" + exc.path, exc.message)]) from None

    order = speaker_ids(parsed.segments)
    known = set(order)
    info = {}
    problems = []
    for index, speaker in enumerate(request.speakers):
        if speaker.id not in known:
            problems.append(FieldProblem(f"/speakers/{index}/id",
                                         f"speaker {speaker.id!r} is not in the transcript; "
                                         f"its speakers are {sorted(known)}"))
        info[speaker.id] = speaker
    if problems:
        raise invalid("unknown_speaker", problems[0].message, problems)

    analytics = compute_analytics(parsed.segments)
    media = MediaRow(
        id=ids.new_id("med"),
        tenant=request.tenant,
        title=request.title,
        url=request.url if request.HasField("url") else None,
        duration_sec=parsed.duration_sec,
        transcript_format=parsed.format,
        segments=[asdict(s) for s in parsed.segments],
        created_at=utcnow(),
    )
    entities = []
    for position, speaker_id in enumerate(order):
        given = info.get(speaker_id)
        entities.append(EntityRow(
            media_id=media.id,
            id=speaker_id,
            tenant=request.tenant,
            position=position,
            label=given.label if given is not None and given.HasField("label") else None,
            description=given.description if given is not None and given.HasField("description") else None,
            analytics=asdict(analytics[speaker_id]),
        ))
    return media, entities


_BY_ID = select(MEDIA).where(MEDIA.c.id == bindparam("media_id"))


def insert(connection: Connection, media: MediaRow, entities: list[EntityRow]) -> tuple[MediaRow, list[EntityRow]]:
    connection.execute(sql_insert(MEDIA), media.model_dump())
    if entities:
        connection.execute(sql_insert(ENTITIES), [entity.model_dump() for entity in entities])
    return media, entities


def get(connection: Connection, tenant: str, media_id: str) -> tuple[Row[Any], list[Row[Any]]]:
    media = connection.execute(_BY_ID, {"media_id": media_id}).first()
    if media is None or media.tenant != tenant:
        raise not_found("media", media_id)
    return media, entities_of(connection, [media_id])[media_id]


def entities_of(connection: Connection, media_ids: list[str]) -> dict[str, list[Row[Any]]]:
    rows = connection.execute(select(ENTITIES).where(ENTITIES.c.media_id.in_(media_ids)))
    grouped: dict[str, list[Row[Any]]] = {m: [] for m in media_ids}
    for row in rows:
        grouped[row.media_id].append(row)
    return grouped


def list_page(connection: Connection, tenant: str, limit: int,
              cursor: str) -> tuple[list[tuple[Row[Any], list[Row[Any]]]], str]:
    query = select(MEDIA).where(MEDIA.c.tenant == tenant)
    rows, next_cursor = paging.page(connection, query, MEDIA.c.id, limit, cursor)
    entities = entities_of(connection, [r.id for r in rows]) if rows else {}
    return [(r, entities[r.id]) for r in rows], next_cursor
