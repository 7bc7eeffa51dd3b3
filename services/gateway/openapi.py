"""The OpenAPI 3.1 document of the REST API (`GET /v1/openapi.json`).

Request bodies are the very schemas the gateway validates with: the contract's
(`services.contracts`) and ours for media and resolve (`services.gateway.schemas`), taken
from there when the document is built, never copied. Response shapes the contract leaves to us
(media, jobs, events, pages) are described here, next to the operations.

To document a new endpoint, add an `Operation` to `OPERATIONS` (and any new shape to
`_our_schemas`); a test fails while a route of the app is missing here.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from services import contracts
from services.domain import job_states
from services.gateway import openapi_examples as ex
from services.gateway import schemas

OPENAPI_VERSION = "3.1.0"
API_VERSION = "1.0.0"
JSON = "application/json"

Schema = dict[str, Any]
STATUSES = (job_states.QUEUED, job_states.RUNNING, job_states.SUCCEEDED, job_states.FAILED, job_states.CANCELED)


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: Schema) -> Schema:
    return {"anyOf": [schema, {"type": "null"}]}


def _component(schema: Schema) -> Schema:
    """A JSON Schema as an OpenAPI component: the same keywords, without its `$schema`."""
    out = copy.deepcopy(schema)
    out.pop("$schema", None)
    return out


def _object(properties: dict[str, Schema], required: list[str] | None = None, description: str = "") -> Schema:
    schema: Schema = {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
    }
    if description:
        schema["description"] = description
    return schema


STRING: Schema = {"type": "string"}
NUMBER: Schema = {"type": "number"}
INTEGER: Schema = {"type": "integer"}
BOOLEAN: Schema = {"type": "boolean"}
TIMESTAMP: Schema = {"type": "string", "format": "date-time", "description": "UTC, e.g. 2026-11-29T10:35:55.123Z"}


# The error shape, and which HTTP statuses carry it.

ERROR: Schema = _object(
    {
        "error": _object(
            {
                "code": {"type": "string", "description": "a stable code, e.g. invalid_request, job_not_found"},
                "message": {"type": "string", "description": "for people; names the first invalid field"},
                "details": {
                    "type": "array",
                    "items": _object(
                        {
                            "path": {
                                "type": "string",
                                "description": "JSON pointer of the field (`?name` for a query parameter)",
                            },
                            "message": STRING,
                        }
                    )
                    | {"additionalProperties": False},
                },
            }
        )
        | {"additionalProperties": False}
    },
) | {"additionalProperties": False}

ERROR_RESPONSES: dict[int, tuple[str, str]] = {
    400: (
        "BadRequest",
        "The request is invalid: malformed JSON, a body or parameter that breaks the schema "
        "(each field in `details`), or a precondition such as a target nobody matches.",
    ),
    401: ("Unauthorized", "No `Authorization: Bearer <key>`, or an unknown key."),
    404: ("NotFound", "No such resource for this key's tenant."),
    409: ("Conflict", "`idempotency_conflict`: the same idempotency key with a different body."),
    413: ("PayloadTooLarge", "The body is over the limit (1 MiB for jobs and resolve, 20 MiB for media)."),
    415: ("UnsupportedMediaType", "The body is not `application/json`."),
    429: (
        "RateLimited",
        "`rate_limited`: over the tenant's request rate; retry after the `Retry-After` seconds. "
        "`quota_exceeded` (job creation): the tenant has as many jobs queued as its cap.",
    ),
    500: ("InternalError", "An unexpected failure; the `X-Request-Id` names it in the logs."),
    503: ("Unavailable", "A backend service is unavailable; retry shortly."),
    504: ("Timeout", "A backend service did not answer in time; retry shortly."),
}

COMMON_ERRORS = (401, 429, 500, 503, 504)
BODY_ERRORS = (400, 413, 415)


# Operations


@dataclass(frozen=True)
class Param:
    name: str
    where: str  # path | query | header
    schema: Schema
    description: str = ""
    required: bool = False
    allow_empty: bool = False  # a query parameter sent empty means the same as one left out


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    operation_id: str
    tag: str
    summary: str
    status: int
    response: Schema | None  # the success body's schema (JSON), or None for another content type
    errors: tuple[int, ...] = ()
    body: Schema | None = None
    params: tuple[Param, ...] = ()
    description: str = ""
    auth: bool = True
    content_type: str = JSON
    headers: dict[str, Schema] = field(default_factory=dict)
    extra_responses: dict[int, Any] = field(default_factory=dict)
    body_examples: dict[str, Any] = field(default_factory=dict)  # OpenAPI `examples` of the body
    response_examples: dict[str, Any] = field(default_factory=dict)  # ... and of the success answer


def path_param(name: str, what: str) -> Param:
    return Param(name, "path", {"type": "string", "minLength": 1}, f"the {what}'s id", required=True)


LIMIT = Param(
    "limit",
    "query",
    {"type": "integer", "minimum": 1, "maximum": 100},
    "page size, 1 to 100 (default 20)",
    allow_empty=True,
)
CURSOR = Param("cursor", "query", {"type": "string"}, "`nextCursor` of the previous page", allow_empty=True)
LOCATION = {"Location": {"type": "string", "description": "the new resource's path"}}
PREFER_WAIT = Param(
    "Prefer",
    "header",
    {"type": "string", "examples": ["wait=30", "wait"]},
    "`wait=N`: hold the answer until the job ends, at most N seconds (at most 60)",
)
WAIT_HEADERS = {
    "Preference-Applied": {"type": "string", "description": "`wait=N` when the answer waited (N as honoured)"},
    "Retry-After": {"type": "string", "description": "seconds; present when a wait ended before the job did"},
    "Vary": {"type": "string", "description": "`Prefer` when the answer waited"},
}


def operations() -> list[Operation]:
    return [
        Operation(
            "get", "/healthz", "healthz", "health", "The process is up", 200, ref("Health"), errors=(), auth=False
        ),
        Operation(
            "get",
            "/readyz",
            "readyz",
            "health",
            "The store and NATS are reachable",
            200,
            ref("Readiness"),
            auth=False,
            extra_responses={
                503: {
                    "description": "Not ready; `checks` says what is down.",
                    "content": {JSON: {"schema": ref("Readiness")}},
                }
            },
        ),
        Operation(
            "get", "/v1/openapi.json", "getOpenApi", "docs", "This document", 200, {"type": "object"}, auth=False
        ),
        Operation(
            "get",
            "/docs",
            "docs",
            "pages",
            "The API reference page (HTML)",
            200,
            None,
            auth=False,
            content_type="text/html",
        ),
        Operation(
            "get",
            "/docs/docs.js",
            "docsScript",
            "pages",
            "The reference page's script",
            200,
            None,
            auth=False,
            content_type="text/javascript",
        ),
        Operation(
            "get",
            "/",
            "viewer",
            "pages",
            "The report viewer (HTML; its assets are under /static/)",
            200,
            None,
            auth=False,
            content_type="text/html",
        ),
        Operation(
            "post",
            "/v1/media",
            "createMedia",
            "media",
            "Register a recording with its diarized transcript",
            201,
            ref("Media"),
            (*BODY_ERRORS, *COMMON_ERRORS),
            body=ref("CreateMediaRequest"),
            headers=LOCATION,
            body_examples=ex.one("Two turns of a pricing call", ex.CREATE_MEDIA),
            response_examples=ex.one("Its speakers, with talk statistics", ex.MEDIA),
            description="`transcript.format` is one of segments, webvtt, srt, whisperx, assemblyai, "
            "deepgram; without it the format is detected from the content. The answer lists "
            "the speakers (entities) with their talk statistics.",
        ),
        Operation(
            "get",
            "/v1/media",
            "listMedia",
            "media",
            "List media, newest first",
            200,
            ref("MediaPage"),
            (400, *COMMON_ERRORS),
            params=(LIMIT, CURSOR),
        ),
        Operation(
            "get",
            "/v1/media/{mediaId}",
            "getMedia",
            "media",
            "Read a media",
            200,
            ref("Media"),
            (404, *COMMON_ERRORS),
            params=(path_param("mediaId", "media"),),
        ),
        Operation(
            "post",
            "/v1/media/{mediaId}/resolve",
            "resolveTarget",
            "media",
            "Which speaker a target picks, and why, without creating a job",
            200,
            ref("Resolution"),
            (*BODY_ERRORS, 404, *COMMON_ERRORS),
            body=ref("Target"),
            body_examples=ex.one("Whoever the hint describes", ex.TARGET),
            response_examples=ex.one("The CFO, by her self-introduction", ex.RESOLUTION),
            params=(path_param("mediaId", "media"),),
            description="The body is the contract's `target`. A target nobody matches (with "
            "`on_miss: error`) is 400 `target_not_found`.",
        ),
        Operation(
            "post",
            "/v1/reports/jobs",
            "createReportJob",
            "reports",
            "Create a report generation job",
            202,
            ref("CreateReportJobResponse"),
            (*BODY_ERRORS, 404, 409, *COMMON_ERRORS),
            body=ref("CreateReportJobRequest"),
            body_examples=ex.one("A sales playbook about the CFO", ex.CREATE_JOB),
            response_examples=ex.one("Queued", ex.CREATED),
            headers={
                **LOCATION,
                "Idempotent-Replayed": {
                    "type": "string",
                    "enum": ["true"],
                    "description": "present when `idempotencyKey` replayed an earlier job",
                },
            },
            description="`idempotencyKey` is scoped per tenant and kept at least 24 h: the same key with "
            "the same body answers exactly what the first request was answered (the job "
            "as it was then: `queued`), whatever the job has done since; read `Location` "
            "for where it is now. The same key with another body is 409. "
            "`target.on_miss` is required (the contract's `default` names the usual "
            "choice, `error`).",
        ),
        Operation(
            "get",
            "/v1/jobs",
            "listJobs",
            "jobs",
            "List jobs, newest first",
            200,
            ref("JobPage"),
            (400, *COMMON_ERRORS),
            params=(
                Param(
                    "status",
                    "query",
                    {"type": "string", "enum": list(STATUSES)},
                    "only jobs with this status",
                    allow_empty=True,
                ),
                LIMIT,
                CURSOR,
            ),
        ),
        Operation(
            "get",
            "/v1/jobs/{jobId}",
            "getJob",
            "jobs",
            "Read a job",
            200,
            ref("Job"),
            (404, *COMMON_ERRORS),
            params=(path_param("jobId", "job"), PREFER_WAIT),
            headers=WAIT_HEADERS,
            response_examples=ex.one("Succeeded, with its report", ex.JOB),
            description="With `Prefer: wait=N` (RFC 7240; N up to 60, `Prefer: wait` alone is 60) the "
            "answer waits until the job has ended or N seconds have passed, then returns "
            "the job as it is: `Preference-Applied` says which wait was honoured, and "
            "`Retry-After` is present when the job has not ended yet.",
        ),
        Operation(
            "post",
            "/v1/jobs/{jobId}/cancel",
            "cancelJob",
            "jobs",
            "Cancel a queued or running job (a finished one is returned unchanged)",
            200,
            ref("Job"),
            (400, 404, *COMMON_ERRORS),
            params=(path_param("jobId", "job"),),
        ),
        Operation(
            "post",
            "/v1/jobs/{jobId}/webhook/redeliver",
            "redeliverWebhook",
            "jobs",
            "Send an ended job's webhook event again",
            202,
            ref("Job"),
            (400, 404, *COMMON_ERRORS),
            params=(path_param("jobId", "job"),),
            description="The job's terminal event is queued for delivery again, with its original "
            "`webhook-id`. 400 while the job has not ended or when it has no webhook.",
        ),
        Operation(
            "get",
            "/v1/jobs/{jobId}/events",
            "streamJobEvents",
            "jobs",
            "The job's status as server-sent events",
            200,
            None,
            (404, *COMMON_ERRORS),
            params=(
                path_param("jobId", "job"),
                Param(
                    "Last-Event-ID",
                    "header",
                    {"type": "string", "pattern": "^[0-9]*$"},
                    "resume after this event id (the `id:` of the last event received)",
                ),
            ),
            content_type="text/event-stream",
            description="Sends the current state, then every transition, and ends after the terminal "
            "event. Each event is `id: <stream sequence>`, `event: status`, `data: <JobEvent "
            "JSON>`; `: ping` comments keep the connection open. Reconnect with "
            "`Last-Event-ID` to resume with nothing missed or repeated.",
        ),
        Operation(
            "get",
            "/v1/reports",
            "listReports",
            "reports",
            "List reports, newest first",
            200,
            ref("ReportPage"),
            (400, *COMMON_ERRORS),
            params=(LIMIT, CURSOR),
        ),
        Operation(
            "get",
            "/v1/reports/by-job/{jobId}",
            "getReportByJob",
            "reports",
            "Fetch a generated report by source job id",
            200,
            nullable(ref("Report")),
            (404, *COMMON_ERRORS),
            params=(path_param("jobId", "job"),),
            description="Returns null until the job reaches terminal success.",
        ),
        Operation(
            "get",
            "/v1/reports/{reportId}",
            "getReport",
            "reports",
            "Fetch a generated report by id",
            200,
            ref("Report"),
            (404, *COMMON_ERRORS),
            params=(path_param("reportId", "report"),),
        ),
        Operation(
            "get",
            "/v1/reports/{reportId}/evidence",
            "getReportEvidence",
            "reports",
            "What supports each section of a report",
            200,
            ref("ReportEvidence"),
            (404, *COMMON_ERRORS),
            params=(path_param("reportId", "report"),),
            description="Per section, the target's own words that support it, with their times; the "
            "target's talk statistics; and whether they said enough to read them reliably.",
        ),
        Operation(
            "delete",
            "/v1/media/{mediaId}",
            "deleteMedia",
            "lifecycle",
            "Delete a media with its transcript, every job made from it and their reports",
            204,
            None,
            (404, *COMMON_ERRORS),
            params=(path_param("mediaId", "media"),),
            description="A job still queued or running is stopped first and never writes its report. "
            "Afterwards every read of what was deleted is a 404; the jobs' status events "
            "and pending webhook deliveries are dropped. Leaves an audit record.",
        ),
        Operation(
            "delete",
            "/v1/jobs/{jobId}",
            "deleteJob",
            "lifecycle",
            "Delete a job and its report",
            204,
            None,
            (404, *COMMON_ERRORS),
            params=(path_param("jobId", "job"),),
            description="A running job is stopped first and never writes its report. Leaves an audit record.",
        ),
        Operation(
            "delete",
            "/v1/reports/{reportId}",
            "deleteReport",
            "lifecycle",
            "Delete a report and its evidence",
            204,
            None,
            (404, *COMMON_ERRORS),
            params=(path_param("reportId", "report"),),
            description="The job stays and reads `reportId: null`, `reportDeleted: true`. Leaves an audit record.",
        ),
        Operation(
            "get",
            "/v1/usage",
            "getUsage",
            "usage",
            "The tenant's LLM usage and cost, by day or model",
            200,
            ref("Usage"),
            (400, *COMMON_ERRORS),
            params=(
                Param(
                    "from",
                    "query",
                    {"type": "string", "examples": ["2026-12-01", "2026-12-01T09:00:00Z"]},
                    "start of the range, inclusive: a date (its midnight UTC) or a time with its offset; "
                    "default: 30 days before `to`",
                    allow_empty=True,
                ),
                Param(
                    "to",
                    "query",
                    {"type": "string"},
                    "end of the range, exclusive (same forms); default: now; at most 366 days after `from`",
                    allow_empty=True,
                ),
                Param(
                    "groupBy",
                    "query",
                    {"type": "string", "enum": ["day", "model"]},
                    "`day` (UTC, the default) or `model`",
                    allow_empty=True,
                ),
            ),
            response_examples=ex.one("Two days of one month", ex.USAGE),
            description="Jobs of this key's tenant that ended (succeeded, failed or canceled) in the range "
            "after calling the LLM, with their tokens and cost summed: per UTC day the jobs ended, "
            "or per model; days or models without such a job are left out. A bad date, "
            "`from` after `to`, or an unknown `groupBy` is 400.",
        ),
        Operation(
            "get",
            "/v1/audit",
            "listAudit",
            "lifecycle",
            "The audit log of deletions, newest first",
            200,
            ref("AuditPage"),
            (400, *COMMON_ERRORS),
            params=(LIMIT, CURSOR),
            description="One record per deletion, by request or by retention, for this key's tenant.",
        ),
    ]


# Schemas


def _contract_schemas() -> dict[str, Schema]:
    return {
        "CreateReportJobRequest": _component(contracts.schema(contracts.CREATE_JOB_REQUEST)),
        "CreateReportJobResponse": _component(contracts.schema(contracts.CREATE_JOB_RESPONSE)),
        "Report": _component(contracts.schema(contracts.REPORT_RESPONSE)),
        "Target": _component(schemas.target_schema()),
        "CreateMediaRequest": _component(schemas.CREATE_MEDIA_REQUEST),
    }


def _said(schema: Schema, description: str) -> Schema:
    return schema | {"description": description}


def _page(item: str) -> Schema:
    return _object(
        {
            "items": {"type": "array", "items": ref(item)},
            "nextCursor": nullable({"type": "string", "description": "pass as `cursor` for the next page"}),
        }
    )


def _usage_figures() -> dict[str, Schema]:
    return {
        "jobs": _said(INTEGER, "jobs that ended having called the LLM"),
        "inputTokens": INTEGER,
        "outputTokens": INTEGER,
        "costUsd": _said(NUMBER, "at the prices each job ran with (REPORTS_LLM_PRICES)"),
    }


def _our_schemas() -> dict[str, Schema]:
    request = contracts.schema(contracts.CREATE_JOB_REQUEST)
    template = copy.deepcopy(request["properties"]["output"]["properties"]["template"])
    strategy = copy.deepcopy(request["properties"]["target"]["properties"]["strategy"])
    status = {
        "type": "string",
        "enum": list(STATUSES),
        "description": "queued -> running -> succeeded | failed | canceled",
    }
    stage = nullable({"type": "string", "enum": list(job_states.STAGES)}) | {
        "description": "where a running job is (waiting: for its turn in a provider budget; a queued one: queued, or waiting for its tenant's in-flight cap); where a failed or canceled one stopped; null once succeeded"
    }
    analytics: dict[str, Schema] = {
        "speakingSec": _said(NUMBER, "seconds of their speech"),
        "share": _said({"type": "number", "minimum": 0, "maximum": 1}, "their part of all speech, 0 to 1"),
        "turns": _said(INTEGER, "times they took the floor"),
        "words": INTEGER,
        "wordsPerMinute": NUMBER,
        "questions": _said(INTEGER, "sentences of theirs that end in a question mark"),
        "longestMonologueSec": _said(NUMBER, "their longest run without another speaker, in seconds"),
        "interruptions": _said(INTEGER, "turns they started before the previous speaker had finished"),
        "meanTurnSec": _said(NUMBER, "their average turn, in seconds"),
    }
    return {
        "Error": ERROR,
        "Entity": _object(
            {"id": STRING, "label": nullable(STRING), "description": nullable(STRING), **analytics},
            description="A speaker in the media, with talk statistics.",
        ),
        "SpeakerAnalytics": _object(analytics),
        "Media": _object(
            {
                "mediaId": STRING,
                "title": STRING,
                "url": nullable(STRING),
                "durationSec": NUMBER,
                "transcriptFormat": {"type": "string", "enum": list(schemas.TRANSCRIPT_FORMATS)},
                "createdAt": TIMESTAMP,
                "entities": {"type": "array", "items": ref("Entity")},
                "expiresAt": nullable(TIMESTAMP | {"description": "when retention deletes it; null: never"}),
            }
        ),
        "MediaPage": _page("Media"),
        "Resolution": _object(
            {
                "entity": _object({"id": STRING, "label": nullable(STRING)}),
                "strategy": strategy,
                "fellBack": _said(BOOLEAN, "nobody matched and `on_miss: fallback_dominant` picked who spoke most"),
                "confidence": _said(NUMBER, "0 to 1: how well a hint matched; for most-talk-time picks, their share"),
                "reason": _said(STRING, "why this speaker, in words"),
                "evidence": {
                    "type": "array",
                    "items": _object({"start": NUMBER, "end": NUMBER}),
                    "description": "the spans (seconds) that decided it",
                },
            }
        ),
        "JobError": _object(
            {
                "code": {
                    "type": "string",
                    "description": "media_not_found, target_not_found, "
                    "llm_unavailable, llm_invalid_output, canceled, internal, ...",
                },
                "message": STRING,
            }
        ),
        "JobResolution": _object(
            {
                "entityId": STRING,
                "entityLabel": nullable(STRING),
                "strategy": strategy,
                "fellBack": BOOLEAN,
                "confidence": NUMBER,
                "reason": STRING,
            }
        ),
        "Job": _object(
            {
                "jobId": STRING,
                "status": status,
                "stage": stage,
                "label": nullable(STRING) | {"description": "the request's `label`, copied to its report"},
                "mediaId": STRING,
                "template": template,
                "target": ref("Target"),
                "createdAt": TIMESTAMP,
                "updatedAt": TIMESTAMP,
                "reportId": nullable(STRING) | {"description": "set once the job has succeeded"},
                "error": nullable(ref("JobError")) | {"description": "set when the job failed or was canceled"},
                "resolution": nullable(ref("JobResolution"))
                | {"description": "who the target turned out to be, once the job has resolved it"},
                "webhook": nullable(ref("WebhookState")),
                "reportDeleted": BOOLEAN | {"description": "its report was deleted (reportId is then null)"},
                "expiresAt": nullable(TIMESTAMP | {"description": "its media's expiry"}),
                "usage": nullable(ref("JobUsage"))
                | {"description": "what its LLM calls used; null until it has ended after calling the LLM"},
            },
            required=[
                "jobId",
                "status",
                "stage",
                "label",
                "mediaId",
                "template",
                "target",
                "createdAt",
                "updatedAt",
                "reportId",
                "error",
                "resolution",
                "reportDeleted",
                "expiresAt",
                "usage",
            ],
        ),
        "JobUsage": _object(
            {
                "inputTokens": _said(
                    INTEGER, "input tokens, as the provider's answers counted them (cached ones included)"
                ),
                "outputTokens": _said(INTEGER, "output tokens, as the provider's answers counted them"),
                "attempts": _said(INTEGER, "LLM calls made (retries and repair turns included)"),
                "provider": _said(STRING, "openai or anthropic: the provider of the last call"),
                "model": _said(STRING, "the model of the last call, as its answer named it"),
                "costUsd": _said(
                    NUMBER,
                    "the list price of those tokens in US dollars, at the renderer's price table (REPORTS_LLM_PRICES)",
                ),
                "calls": {
                    "type": "array",
                    "items": ref("JobCall"),
                    "description": "every LLM call in order: the route it went to and its outcome",
                },
            },
            description="A job's LLM usage, summed over every call it made.",
        ),
        "JobCall": _object(
            {
                "provider": _said(STRING, "openai or anthropic"),
                "model": _said(STRING, "the model the call asked for, or as its answer named it"),
                "outcome": _said(
                    STRING,
                    "ok, invalid_output (repaired), http 500 / http 529 / http 429 (retried), "
                    "stalled, unreachable, timeout, rejected 400, or the code an ended answer "
                    "failed the job with",
                ),
            },
            description="One LLM call of a job (REPORTS_LLM_ROUTES).",
        ),
        "WebhookState": _object(
            {
                "url": STRING,
                "status": {"type": "string", "enum": ["pending", "delivered", "failed"]},
                "attempts": INTEGER,
                "lastStatusCode": nullable(INTEGER),
                "lastError": nullable(STRING),
                "nextAttemptAt": nullable(TIMESTAMP),
            },
            required=["url", "status", "attempts"],
            description="Where delivery of the job's webhook stands (never its custom header values).",
        ),
        "JobPage": _page("Job"),
        "JobEvent": _object(
            {
                "jobId": STRING,
                "status": status,
                "stage": stage,
                "reportId": nullable(STRING),
                "error": nullable(ref("JobError")),
                "at": TIMESTAMP,
                "progress": nullable(ref("JobProgress")),
            },
            description="The `data:` of each server-sent event of GET /v1/jobs/{jobId}/events.",
        ),
        "JobProgress": _object(
            {
                "outputTokens": INTEGER,
                "waitingSec": nullable(NUMBER),
                "waitingReason": nullable(STRING),
            },
            description="While a job renders: the LLM's output tokens so far (at most one event a "
            "second), or the wait on the provider (a rate limit, an outage) just begun.",
        ),
        "StatusEvent": _object(
            {
                "id": {
                    "type": "string",
                    "pattern": "^[0-9]+$",
                    "description": "the event's stream sequence: send the last one back as `Last-Event-ID`",
                },
                "event": {"type": "string", "const": "status"},
                "data": {"type": "string", "contentMediaType": JSON, "contentSchema": ref("JobEvent")},
            },
            description="One server-sent event of GET /v1/jobs/{jobId}/events (`: ping` comments aside).",
        ),
        "ReportPage": _page("Report"),
        "ReportEvidence": _object(
            {
                "reportId": STRING,
                "entity": _object({"id": STRING, "label": nullable(STRING)}),
                "sections": {
                    "type": "array",
                    "items": _object(
                        {
                            "key": STRING,
                            "status": {"type": "string", "description": "supported | unsupported"},
                            "quotes": {
                                "type": "array",
                                "items": _object({"text": STRING, "start": NUMBER, "end": NUMBER}),
                            },
                        }
                    ),
                },
                "analytics": ref("SpeakerAnalytics"),
                "coverage": _object(
                    {
                        "targetSeconds": NUMBER,
                        "targetWords": INTEGER,
                        "share": NUMBER,
                        "confidence": NUMBER,
                        "sufficient": BOOLEAN,
                        "note": nullable(STRING),
                    }
                ),
            }
        ),
        "AuditRecord": _object(
            {
                "auditId": STRING,
                "action": {"type": "string", "enum": ["delete"]},
                "objectType": {"type": "string", "enum": ["media", "job", "report"]},
                "objectId": STRING,
                "reason": {"type": "string", "enum": ["request", "retention"]},
                "apiKeyId": nullable(
                    STRING | {"description": "the deleting key's id (never the key); null for retention"}
                ),
                "derived": {
                    "type": "object",
                    "additionalProperties": INTEGER,
                    "description": "how many derived objects went with it (jobs, reports, entities)",
                },
                "at": TIMESTAMP,
            },
            description="One deletion.",
        ),
        "AuditPage": _page("AuditRecord"),
        "Usage": _object(
            {
                "from": TIMESTAMP,
                "to": TIMESTAMP,
                "groupBy": {"type": "string", "enum": ["day", "model"]},
                "groups": {"type": "array", "items": ref("UsageGroup"), "description": "in order of `group`"},
                "total": ref("UsageFigures"),
            },
            description="A tenant's LLM usage over [from, to).",
        ),
        "UsageGroup": _object(
            {
                "group": _said(STRING, "the UTC day (YYYY-MM-DD) or the model"),
                **_usage_figures(),
            }
        ),
        "UsageFigures": _object(_usage_figures()),
        "Health": _object({"status": {"type": "string", "const": "ok"}}),
        "Readiness": _object(
            {
                "status": {"type": "string", "enum": ["ready", "not_ready"]},
                "checks": {"type": "object", "additionalProperties": BOOLEAN},
            }
        ),
    }


# The document

REQUEST_ID_HEADER = {
    "description": "the request's id (the client's `X-Request-Id` when sane, else a new one)",
    "schema": {"type": "string"},
}


# On every answer to a request with a known key (services/gateway/rate_limits.py; not when the
# shared counter is unreachable).
RATE_LIMIT_HEADERS = {
    "RateLimit-Limit": "the tenant's bucket size: requests it may make at once (IETF draft RateLimit fields)",
    "RateLimit-Remaining": "requests left in the bucket after this one",
    "RateLimit-Reset": "seconds until the bucket is full again",
}


def _rate_limit_headers() -> dict[str, Any]:
    return {name: {"$ref": f"#/components/headers/{name.replace('-', '')}"} for name in RATE_LIMIT_HEADERS}


def _error_responses() -> dict[str, Any]:
    responses = {}
    for status, (name, description) in ERROR_RESPONSES.items():
        headers: dict[str, Any] = {"X-Request-Id": {"$ref": "#/components/headers/RequestId"}}
        if status == 401:
            headers["WWW-Authenticate"] = {"schema": {"type": "string"}}
        if status == 429:
            headers["Retry-After"] = {
                "schema": {"type": "string"},
                "description": "seconds until a request may succeed",
            }
            headers.update(_rate_limit_headers())
        responses[name] = {"description": description, "headers": headers, "content": {JSON: {"schema": ref("Error")}}}
    return responses


def _parameter(param: Param) -> dict[str, Any]:
    out: dict[str, Any] = {"name": param.name, "in": param.where, "required": param.required, "schema": param.schema}
    if param.description:
        out["description"] = param.description
    if param.allow_empty:
        out["allowEmptyValue"] = True
    return out


def _operation(op: Operation) -> dict[str, Any]:
    headers: dict[str, Any] = {"X-Request-Id": {"$ref": "#/components/headers/RequestId"}}
    if op.path.startswith("/v1/") and op.auth:
        headers.update(_rate_limit_headers())
    headers.update(
        {
            name: {
                "schema": {k: v for k, v in schema.items() if k != "description"},
                "description": schema.get("description", ""),
            }
            for name, schema in op.headers.items()
        }
    )
    success: dict[str, Any] = {"description": op.summary, "headers": headers}
    if op.status == 204:
        pass  # no content
    elif op.content_type == JSON:
        success["content"] = {JSON: {"schema": op.response}}
        if op.response_examples:
            success["content"][JSON]["examples"] = op.response_examples
    elif op.content_type == "text/event-stream":
        # OpenAPI 3.1 has a stream's `schema` describe each of its events (3.2 calls it `itemSchema`).
        success["content"] = {op.content_type: {"schema": ref("StatusEvent")}}
    else:
        success["content"] = {op.content_type: {"schema": {"type": "string"}}}
    responses: dict[str, Any] = {str(op.status): success}
    for status, response in op.extra_responses.items():
        responses[str(status)] = response
    for status in sorted(set(op.errors)):
        responses[str(status)] = {"$ref": f"#/components/responses/{ERROR_RESPONSES[status][0]}"}
    out: dict[str, Any] = {
        "operationId": op.operation_id,
        "tags": [op.tag],
        "summary": op.summary,
        "responses": responses,
    }
    if op.description:
        out["description"] = op.description
    if op.params:
        out["parameters"] = [_parameter(p) for p in op.params]
    if op.body is not None:
        out["requestBody"] = {"required": True, "content": {JSON: {"schema": op.body}}}
        if op.body_examples:
            out["requestBody"]["content"][JSON]["examples"] = op.body_examples
    if not op.auth:
        out["security"] = []
    return out


DESCRIPTION = """\
Send a recorded conversation with its diarized transcript, ask for a report about one person in
it (a `sales_playbook` or a `general_report`), and get it back as schema-checked JSON plus
Markdown. Report generation is asynchronous: create a job, then follow it (server-sent events,
a signed webhook, or polling) and fetch its report.

Every `/v1` request carries `Authorization: Bearer <key>`. Errors have one shape everywhere,
`{"error": {"code", "message", "details": [{"path", "message"}]}}`, with the JSON pointer of each
invalid field in `details`. Objects may gain fields: clients should ignore the ones they do not know.
Unknown query parameters are ignored.
"""

TAGS = [
    {"name": "media", "description": "Recordings and their diarized transcripts."},
    {"name": "reports", "description": "Report jobs and the reports they produce."},
    {"name": "jobs", "description": "Job status, cancellation and live status events."},
    {"name": "lifecycle", "description": "Deleting data, and the audit log of deletions."},
    {"name": "usage", "description": "What the tenant's jobs used of the LLM, and what it cost."},
    {"name": "health", "description": "Liveness and readiness."},
    {"name": "docs", "description": "This document."},
    {
        "name": "pages",
        "description": "Pages for people, served beside the API but not part of it: the report "
        "viewer and this reference.",
    },
]


@cache
def document() -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for op in operations():
        paths.setdefault(op.path, {})[op.method] = _operation(op)
    return {
        "openapi": OPENAPI_VERSION,
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "info": {"title": "Reports API", "version": API_VERSION, "description": DESCRIPTION},
        "tags": TAGS,
        "security": [{"bearerAuth": []}],
        "paths": paths,
        "components": {
            "schemas": {**_contract_schemas(), **_our_schemas()},
            "responses": _error_responses(),
            "headers": {
                "RequestId": REQUEST_ID_HEADER,
                **{
                    name.replace("-", ""): {"description": text, "schema": {"type": "integer", "minimum": 0}}
                    for name, text in RATE_LIMIT_HEADERS.items()
                },
            },
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "an API key: `Authorization: Bearer <key>`",
                }
            },
        },
    }
