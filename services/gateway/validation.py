"""Request validation: the contract's JSON Schemas exactly, then the rules a schema cannot say."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from jsonschema import ValidationError
from jsonschema.exceptions import best_match

from services import contracts
from services.common import strict_json
from services.common.rpc_errors import FieldProblem
from services.common.schema_check import SchemaValidator
from services.gateway import params, schemas, webhook_rules
from services.gateway.errors import ApiError

RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$")


def _pointer(parts: Iterable[Any]) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def _problems(error: ValidationError) -> list[FieldProblem]:
    path = list(error.absolute_path)
    # the failing subschema: a boolean one has no keywords (and fails no keyword of its own)
    schema: Mapping[str, Any] = error.schema if isinstance(error.schema, Mapping) else {}
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = set(schema.get("properties", {}))
        return [FieldProblem(_pointer([*path, k]), f"unknown field {k!r}") for k in error.instance if k not in allowed]
    if error.validator == "required" and isinstance(error.instance, dict) and isinstance(error.validator_value, list):
        properties = schema.get("properties", {})
        return [
            FieldProblem(_pointer([*path, k]), f"{k!r} is required{_choices(properties.get(k, {}))}")
            for k in error.validator_value
            if k not in error.instance
        ]
    if error.validator in ("anyOf", "oneOf") and error.context:
        # "x is not valid under any of the given schemas" says little: report the closest branch.
        nullable = any(e.validator == "type" and e.validator_value == "null" for e in error.context)
        non_null = [e for e in error.context if not (e.validator == "type" and e.validator_value == "null")]
        closest = _problems(best_match(non_null or error.context))
        if nullable:
            closest = [FieldProblem(p.path, f"{p.message} (or null)") for p in closest]
        return closest
    return [FieldProblem(_pointer(path), error.message)]


def _choices(schema: dict[str, Any]) -> str:
    """For a missing field with an enum: what it may be, and which the contract suggests."""
    if "enum" not in schema:
        return ""
    suggested = f" ({schema['default']!r} is the usual choice)" if "default" in schema else ""
    return ": one of " + ", ".join(repr(v) for v in schema["enum"]) + suggested


def check(validator: SchemaValidator, body: dict[str, Any]) -> None:
    problems: list[FieldProblem] = []
    for error in sorted(validator.iter_errors(body), key=lambda e: list(map(str, e.absolute_path))):
        problems.extend(_problems(error))
    if problems:
        raise invalid(problems)


def invalid(problems: list[FieldProblem]) -> ApiError:
    first = problems[0]
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return ApiError(400, "invalid_request", f"{first.path or '/'}: {first.message}{more}", problems)


def target_rules(target: dict[str, Any], prefix: str) -> list[FieldProblem]:
    """What each strategy needs, which the contract's schema leaves open."""
    strategy = target.get("strategy")
    problems = []
    if strategy == "entity_id" and target.get("entity_id") is None:
        problems.append(FieldProblem(f"{prefix}/entity_id", "strategy 'entity_id' needs entity_id"))
    if strategy == "magic_hint" and target.get("hint") is None:
        problems.append(FieldProblem(f"{prefix}/hint", "strategy 'magic_hint' needs hint"))
    if strategy == "timerange":
        timerange = target.get("timerange")
        if timerange is None:
            problems.append(FieldProblem(f"{prefix}/timerange", "strategy 'timerange' needs timerange"))
        else:
            start, end = timerange.get("start_seconds"), timerange.get("end_seconds")
            if start is not None and end is not None and start >= end:
                problems.append(
                    FieldProblem(f"{prefix}/timerange/end_seconds", "end_seconds must be greater than start_seconds")
                )
    return problems


# Caps the contract leaves open (README: Limits). Idempotency keys as Stripe caps them.
MAX_IDEMPOTENCY_KEY = 255
MAX_WEBHOOK_URL = 2048
MAX_TEMPLATE_PARAMS_BYTES = 16 * 1024
MAX_TEMPLATE_PARAMS_DEPTH = 8  # protobuf's Struct spends three levels of its 100 per JSON level


def job_caps(body: dict[str, Any]) -> list[FieldProblem]:
    problems = []
    if len(body.get("idempotencyKey", "")) > MAX_IDEMPOTENCY_KEY:
        problems.append(FieldProblem("/idempotencyKey", f"at most {MAX_IDEMPOTENCY_KEY} characters"))
    if not params.ID.fullmatch(body["media"]["mediaId"]):
        problems.append(FieldProblem("/media/mediaId", "is not a media id (1-64 of A-Z a-z 0-9 _ -)"))
    if len(body.get("webhook", {}).get("url", "")) > MAX_WEBHOOK_URL:
        problems.append(FieldProblem("/webhook/url", f"at most {MAX_WEBHOOK_URL} characters"))
    template_params = body["output"].get("templateParams", {})
    if len(json.dumps(template_params, ensure_ascii=False).encode()) > MAX_TEMPLATE_PARAMS_BYTES:
        problems.append(
            FieldProblem("/output/templateParams", f"at most {MAX_TEMPLATE_PARAMS_BYTES // 1024} KiB as JSON")
        )
    elif strict_json.deeper_than(template_params, MAX_TEMPLATE_PARAMS_DEPTH):
        problems.append(FieldProblem("/output/templateParams", f"nests at most {MAX_TEMPLATE_PARAMS_DEPTH} levels"))
    return problems


def create_job(body: dict[str, Any]) -> None:
    check(contracts.validator(contracts.CREATE_JOB_REQUEST), body)
    problems = job_caps(body) + target_rules(body["target"], "/target")
    if problems:
        raise invalid(problems)
    webhook_rules.check(body.get("webhook"))


def target(body: dict[str, Any]) -> None:
    check(schemas.target_validator(), body)
    problems = target_rules(body, "")
    if problems:
        raise invalid(problems)


def create_media(body: dict[str, Any]) -> None:
    check(schemas.create_media_validator(), body)
    if "retentionDays" in body and "expiresAt" in body:
        raise invalid([FieldProblem("/expiresAt", "give retentionDays or expiresAt, not both")])
    if "expiresAt" in body:
        expires_at(body["expiresAt"], "/expiresAt")


def expires_at(value: str, path: str) -> datetime:
    """An RFC 3339 time with an offset, in the future."""
    try:
        when = datetime.fromisoformat(value.upper()) if RFC3339.match(value) else None
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise invalid([FieldProblem(path, "must be an RFC 3339 date-time with an offset, e.g. 2027-01-31T12:00:00Z")])
    if when <= datetime.now(UTC):
        raise invalid([FieldProblem(path, "must be in the future")])
    return when
