"""JSON Schemas of the endpoints the contract leaves to us (media, resolve), in its style."""

from __future__ import annotations

from functools import cache
from typing import Any

from services import contracts
from services.common.schema_check import SchemaValidator

TRANSCRIPT_FORMATS = ["segments", "webvtt", "srt", "whisperx", "assemblyai", "deepgram"]

CREATE_MEDIA_REQUEST: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
        "title": {"type": "string", "maxLength": 512},
        "url": {"type": "string", "format": "uri", "maxLength": 4096},
        "transcript": {
            "type": "object",
            "properties": {
                "format": {"type": "string", "enum": TRANSCRIPT_FORMATS},
                "content": {"anyOf": [{"type": "string", "minLength": 1}, {"type": "array"}, {"type": "object"}]},
            },
            "required": ["content"],
            "additionalProperties": False,
        },
        # How long to keep it with all that is made from it (README: Data lifecycle): one of these.
        "retentionDays": {"type": "integer", "minimum": 1, "maximum": 3650},
        "expiresAt": {
            "type": "string",
            "format": "date-time",
            "maxLength": 64,
            "description": "RFC 3339 with an offset, in the future",
        },
        "speakers": {
            "type": "array",
            "maxItems": 1000,
            "items": {
                "type": "object",
                "properties": {
                    "id": {"type": "string", "minLength": 1, "maxLength": 256},
                    "label": {"type": "string", "minLength": 1, "maxLength": 256},
                    "description": {"type": "string", "maxLength": 1024},
                },
                "required": ["id"],
                "additionalProperties": False,
            },
        },
    },
    "required": ["transcript"],
    "additionalProperties": False,
}


def target_schema() -> dict[str, Any]:
    """The contract's `target`, as the body of POST /v1/media/{mediaId}/resolve."""
    request = contracts.schema(contracts.CREATE_JOB_REQUEST)
    return {"$schema": request["$schema"], **request["properties"]["target"]}


@cache
def target_validator() -> SchemaValidator:
    return SchemaValidator(target_schema(), formats=contracts.FORMATS)


@cache
def create_media_validator() -> SchemaValidator:
    return SchemaValidator(CREATE_MEDIA_REQUEST, formats=contracts.FORMATS)
