"""Registering recordings: parse the transcript, name the speakers, compute their analytics."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta

import grpc
from sqlalchemy import bindparam, select
from sqlalchemy import insert as sql_insert
from sqlalchemy.engine import Connection

from services.common import ids, strict_json
from services.common.deadlines import Deadline
from services.common.rpc_errors import FieldProblem, ServiceError, invalid, not_found
from services.common.strict_json import quote
from services.common.timeutil import utcnow
from services.store import paging, records
from services.store.commands import NewMedia
from services.store.records import Entity, Media
from services.store.tables import ENTITIES, MEDIA
from services.store.transcripts import TranscriptError, compute_analytics, limits, parse_transcript, speaker_ids
from services.store.transcripts.errors import TOO_LARGE

JSON_FORMATS = {"segments", "whisperx", "assemblyai", "deepgram"}
MAX_RETENTION_DAYS = 3650


def _decode_content(format_: str, content: str) -> object:
    """JSON formats arrive as JSON text; the parsers take the decoded value or the text."""
    if format_ in JSON_FORMATS:
        try:
            return strict_json.loads(content)
        except strict_json.JsonProblem:
            return content  # the format's parser says what is wrong with it
    return content


def _rejected(exc: TranscriptError) -> ServiceError:
    problems = [FieldProblem("/transcript" + exc.path, exc.message)]
    if exc.code == TOO_LARGE:
        return ServiceError(grpc.StatusCode.RESOURCE_EXHAUSTED, exc.code, exc.message, problems)
    return invalid(exc.code, exc.message, problems)


def expiry(new: NewMedia, store_default_days: int | None) -> datetime | None:
    """When the media expires: the request's time or days, else its tenant's default days, else
    the store's (REPORTS_RETENTION_DAYS), else never."""
    now = utcnow()
    if new.expires_at is not None:
        when = new.expires_at
        if when <= now:
            raise invalid(
                "invalid_request",
                "expiresAt must be in the future",
                [FieldProblem("/expiresAt", "must be in the future")],
            )
        return when
    for name, days in (
        ("retentionDays", new.retention_days),
        ("the tenant's retentionDays", new.default_retention_days),
        ("REPORTS_RETENTION_DAYS", store_default_days),
    ):
        if days is None:
            continue
        if not 1 <= days <= MAX_RETENTION_DAYS:
            raise invalid(
                "invalid_request",
                f"{name} must be 1 to {MAX_RETENTION_DAYS}",
                [FieldProblem("/retentionDays", f"must be 1 to {MAX_RETENTION_DAYS}")],
            )
        return now + timedelta(days=days)
    return None


def prepare(new: NewMedia, deadline: Deadline | None = None) -> tuple[Media, list[Entity]]:
    """The media and its speakers, not yet stored: parsing needs no database.
    Stops with DEADLINE_EXCEEDED between its steps once `deadline` has passed."""
    deadline = deadline or Deadline.never()
    format_ = new.transcript_format
    if len(new.transcript) > limits.MAX_CONTENT_CHARS:
        raise _rejected(
            TranscriptError(TOO_LARGE, f"a transcript is at most {limits.MAX_CONTENT_CHARS} characters as sent")
        )
    try:
        parsed = parse_transcript(format_, _decode_content(format_ or "", new.transcript))
        deadline.check()
        limits.check(parsed)
    except TranscriptError as exc:
        raise _rejected(exc) from None

    order = speaker_ids(parsed.segments)
    known = set(order)
    info = {}
    problems = []
    for index, speaker in enumerate(new.speakers):
        if speaker.id not in known:
            listed = ", ".join(quote(s) for s in sorted(known)[:10]) + (", ..." if len(known) > 10 else "")
            problems.append(
                FieldProblem(
                    f"/speakers/{index}/id",
                    f"speaker {quote(speaker.id)} is not in the transcript; its speakers are {listed}",
                )
            )
        info[speaker.id] = speaker
    if problems:
        raise invalid("unknown_speaker", problems[0].message, problems)

    deadline.check()
    analytics = compute_analytics(parsed.segments)
    deadline.check()
    media = Media(
        id=ids.new_id("med"),
        tenant=new.tenant,
        title=new.title,
        url=new.url,
        duration_sec=parsed.duration_sec,
        transcript_format=parsed.format,
        segments=[asdict(s) for s in parsed.segments],
        created_at=utcnow(),
    )
    entities = []
    for position, speaker_id in enumerate(order):
        given = info.get(speaker_id)
        entities.append(
            Entity(
                media_id=media.id,
                id=speaker_id,
                tenant=new.tenant,
                position=position,
                label=given.label if given is not None else None,
                description=given.description if given is not None else None,
                analytics=asdict(analytics[speaker_id]),
            )
        )
    return media, entities


_BY_ID = select(MEDIA).where(MEDIA.c.id == bindparam("media_id"))
_MEDIA_COLUMNS = tuple(MEDIA.c.keys())
_ENTITY_COLUMNS = tuple(ENTITIES.c.keys())


def insert(connection: Connection, media: Media, entities: list[Entity]) -> tuple[Media, list[Entity]]:
    connection.execute(sql_insert(MEDIA), records.values(media, _MEDIA_COLUMNS))
    if entities:
        connection.execute(sql_insert(ENTITIES), [records.values(entity, _ENTITY_COLUMNS) for entity in entities])
    return media, entities


def get(connection: Connection, tenant: str, media_id: str) -> tuple[Media, list[Entity]]:
    row = connection.execute(_BY_ID, {"media_id": media_id}).first()
    if row is None or row.tenant != tenant:
        raise not_found("media", media_id)
    return records.of_row(Media, row), entities_of(connection, [media_id])[media_id]


def entities_of(connection: Connection, media_ids: list[str]) -> dict[str, list[Entity]]:
    rows = connection.execute(select(ENTITIES).where(ENTITIES.c.media_id.in_(media_ids)))
    grouped: dict[str, list[Entity]] = {m: [] for m in media_ids}
    for row in rows:
        grouped[row.media_id].append(records.of_row(Entity, row))
    return grouped


def list_page(
    connection: Connection, tenant: str, limit: int, cursor: str
) -> tuple[list[tuple[Media, list[Entity]]], str]:
    query = select(MEDIA).where(MEDIA.c.tenant == tenant)
    rows, next_cursor = paging.page(connection, query, MEDIA.c.id, limit, cursor)
    entities = entities_of(connection, [r.id for r in rows]) if rows else {}
    return [(records.of_row(Media, r), entities[r.id]) for r in rows], next_cursor
