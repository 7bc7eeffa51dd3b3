"""Typed, frozen models of every shape the API sends or takes.

Python attributes are snake_case; each field's JSON name (camelCase at the top of the contract,
snake_case inside `target`) is in its metadata, so `from_json` and `to_json` are exact. The models
follow `services/contracts/v1/*.schema.json` and the gateway's OpenAPI document field for field; a test
compares them, so drift fails. Every decoded model keeps the JSON it came from in `raw`, so a field
the API adds later is readable before the SDK knows it.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, TypeVar, Union

Template = Literal["sales_playbook", "general_report"]
Strategy = Literal["dominant", "timerange", "entity_id", "magic_hint"]
OnMiss = Literal["fallback_dominant", "error"]
JobStatus = Literal["queued", "running", "succeeded", "failed", "canceled"]
JobStage = Literal["queued", "resolving", "rendering", "storing", "waiting"]
TranscriptFormat = Literal["segments", "webvtt", "srt", "whisperx", "assemblyai", "deepgram"]
TERMINAL_STATUSES = frozenset({"succeeded", "failed", "canceled"})


_M = TypeVar("_M", bound="Model")


def _json(name: str) -> Any:
    return {"json": name}


@dataclass(frozen=True)
class Model:
    """Base of every model: decoding from and encoding to the API's JSON."""

    raw: Mapping[str, Any] = field(
        default_factory=dict, repr=False, compare=False, kw_only=True, metadata={"local": True}
    )

    @classmethod
    def from_json(cls: type[_M], data: Mapping[str, Any]) -> _M:
        return _decode(cls, data)  # type: ignore[no-any-return]  # an instance of cls, built from its fields' types

    def to_json(self) -> dict[str, Any]:
        """The JSON object, leaving out fields that are None."""
        return _encode_model(self)


# Request shapes (services/contracts/v1/create-report-job.request.schema.json)


@dataclass(frozen=True)
class Timerange(Model):
    start_seconds: float | None = None
    end_seconds: float | None = None


class _FactoryOnClass:
    """A name that is a field on an instance and a factory on the class: `Target.entity_id("ana")`
    builds a target, `target.entity_id` reads the field. Set after the dataclass is made, so the
    field's default (None) stays what `__init__` uses."""

    def __init__(self, factory: Any) -> None:
        self._factory = factory

    def __get__(self, instance: object, owner: type) -> Any:
        if instance is None:
            return self._factory.__get__(None, owner)
        raise AttributeError  # not reached: a frozen dataclass keeps its fields in the instance dict


@dataclass(frozen=True)
class Target(Model):
    """Who the report is about. Build one with `Target.dominant()`, `Target.entity("ana")` (or
    `Target.entity_id("ana")`), `Target.magic_hint("the CFO")` (or `Target.hint(...)`) and
    `Target.between(0, 30)` (or `Target.timerange(0, 30)`). `on_miss` is "error" unless you say
    "fallback_dominant"."""

    strategy: Strategy
    on_miss: OnMiss = "error"
    entity_id: str | None = None
    hint: str | None = None
    timerange: Timerange | None = None

    @classmethod
    def dominant(cls, on_miss: OnMiss = "error") -> Target:
        """The person who spoke most."""
        return cls(strategy="dominant", on_miss=on_miss)

    @classmethod
    def entity(cls, entity_id: str, on_miss: OnMiss = "error") -> Target:
        """A speaker by id, as the media lists it."""
        return cls(strategy="entity_id", entity_id=entity_id, on_miss=on_miss)

    @classmethod
    def magic_hint(cls, hint: str, on_miss: OnMiss = "error") -> Target:
        """A description the resolver matches against names, roles and what was said."""
        return cls(strategy="magic_hint", hint=hint, on_miss=on_miss)

    @classmethod
    def between(
        cls, start_seconds: float | None = None, end_seconds: float | None = None, on_miss: OnMiss = "error"
    ) -> Target:
        """The person who spoke most between two times (seconds)."""
        return cls(
            strategy="timerange",
            on_miss=on_miss,
            timerange=Timerange(start_seconds=start_seconds, end_seconds=end_seconds),
        )


# The names people guess, after the strategies and fields they mirror.
Target.entity_id = _FactoryOnClass(Target.__dict__["entity"])  # type: ignore[assignment]  # a field, and a factory on the class
Target.hint = _FactoryOnClass(Target.__dict__["magic_hint"])  # type: ignore[assignment]  # a field, and a factory on the class
Target.timerange = _FactoryOnClass(Target.__dict__["between"])  # type: ignore[assignment]  # a field, and a factory on the class


@dataclass(frozen=True)
class MediaRef(Model):
    media_id: str = field(metadata=_json("mediaId"))


@dataclass(frozen=True)
class OutputSpec(Model):
    template: Template
    template_params: dict[str, Any] | None = field(default=None, metadata=_json("templateParams"))


@dataclass(frozen=True)
class Webhook(Model):
    """Where the platform POSTs the job's terminal event, signed (see `reports_sdk.webhooks`)."""

    url: str
    headers: dict[str, str] | None = None


@dataclass(frozen=True)
class CreateReportJobRequest(Model):
    media: MediaRef
    output: OutputSpec
    target: Target
    label: str | None = None
    entity_label: str | None = field(default=None, metadata=_json("entityLabel"))
    idempotency_key: str | None = field(default=None, metadata=_json("idempotencyKey"))
    webhook: Webhook | None = None


@dataclass(frozen=True)
class CreateReportJobResponse(Model):
    job_id: str = field(metadata=_json("jobId"))
    status: Literal["queued", "running"]
    stage: str | None = None
    estimated_wait_sec: float | None = field(default=None, metadata=_json("estimatedWaitSec"))


# The report (services/contracts/v1/report.response.schema.json)


@dataclass(frozen=True)
class ParagraphSection(Model):
    KIND: ClassVar[str] = "paragraph"
    kind: Literal["paragraph"]
    key: Literal[
        "how_they_think",
        "how_they_operate",
        "what_drives_them",
        "how_they_connect",
        "how_they_handle_feedback",
        "pressure_response",
        "bottom_line",
        "what_drives_a_yes",
        "how_to_build_rapport_fast",
        "buying_tendencies",
        "how_they_handle_pushback_and_objections",
        "how_they_deal_when_a_deal_gets_sticky",
    ]
    title: str
    body: str


@dataclass(frozen=True)
class TraitsSection(Model):
    KIND: ClassVar[str] = "traits"
    kind: Literal["traits"]
    key: Literal["dominating_traits"]
    title: str
    body: str
    phrases: tuple[str, ...]


@dataclass(frozen=True)
class ActionItem(Model):
    title: str
    context: str


@dataclass(frozen=True)
class ActionsSection(Model):
    KIND: ClassVar[str] = "actions"
    kind: Literal["actions"]
    key: Literal["how_to_get_their_best", "how_to_handle_the_hard_parts", "how_to_close", "how_to_follow_up"]
    title: str
    items: tuple[ActionItem, ...]


Section = ParagraphSection | TraitsSection | ActionsSection


@dataclass(frozen=True)
class PromptRef(Model):
    name: str
    version: int
    labels: tuple[str, ...]


@dataclass(frozen=True)
class RenderInfo(Model):
    provider: Literal["openai", "anthropic"]
    model: str
    attempts: int


@dataclass(frozen=True)
class ReportMeta(Model):
    prompt: PromptRef
    render: RenderInfo


@dataclass(frozen=True)
class ReportDocument(Model):
    schema_version: float = field(metadata=_json("schemaVersion"))
    template: Template
    title: str
    summary: str
    sections: tuple[Section, ...]
    meta: ReportMeta


@dataclass(frozen=True)
class ReportEntity(Model):
    id: str
    label: str | None


@dataclass(frozen=True)
class ReportMedia(Model):
    media_id: str | None = field(default=None, metadata=_json("mediaId"))
    url: str | None = None


@dataclass(frozen=True)
class ReportOutput(Model):
    template: Template


@dataclass(frozen=True)
class Report(Model):
    id: str
    created_at: str = field(metadata=_json("createdAt"))
    media: ReportMedia
    output: ReportOutput
    job_id: str | None = field(default=None, metadata=_json("jobId"))
    label: str | None = None
    entity: ReportEntity | None = None
    document: ReportDocument | None = field(default=None, metadata=_json("json"))
    markdown: str | None = None
    expires_at: str | None = field(default=None, metadata=_json("expiresAt"))


# Media (POST/GET /v1/media)


@dataclass(frozen=True)
class Speaker(Model):
    """A speaker's display name and role, given when registering media."""

    id: str
    label: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class Entity(Model):
    """A speaker in the media, with talk statistics."""

    id: str
    label: str | None
    description: str | None
    speaking_sec: float = field(metadata=_json("speakingSec"))
    share: float
    turns: int
    words: int
    words_per_minute: float = field(metadata=_json("wordsPerMinute"))
    questions: int
    longest_monologue_sec: float = field(metadata=_json("longestMonologueSec"))
    interruptions: int
    mean_turn_sec: float = field(metadata=_json("meanTurnSec"))


@dataclass(frozen=True)
class Media(Model):
    media_id: str = field(metadata=_json("mediaId"))
    title: str
    url: str | None
    duration_sec: float = field(metadata=_json("durationSec"))
    transcript_format: TranscriptFormat = field(metadata=_json("transcriptFormat"))
    created_at: str = field(metadata=_json("createdAt"))
    entities: tuple[Entity, ...]
    expires_at: str | None = field(default=None, metadata=_json("expiresAt"))

    @property
    def id(self) -> str:
        return self.media_id


@dataclass(frozen=True)
class ResolvedEntity(Model):
    id: str
    label: str | None


@dataclass(frozen=True)
class Span(Model):
    start: float
    end: float


@dataclass(frozen=True)
class Resolution(Model):
    """Which entity a target picks, and why (POST /v1/media/{mediaId}/resolve)."""

    entity: ResolvedEntity
    strategy: Strategy
    fell_back: bool = field(metadata=_json("fellBack"))
    confidence: float
    reason: str
    evidence: tuple[Span, ...]


# Evidence (GET /v1/reports/{reportId}/evidence)


@dataclass(frozen=True)
class SpeakerAnalytics(Model):
    speaking_sec: float = field(metadata=_json("speakingSec"))
    share: float
    turns: int
    words: int
    words_per_minute: float = field(metadata=_json("wordsPerMinute"))
    questions: int
    longest_monologue_sec: float = field(metadata=_json("longestMonologueSec"))
    interruptions: int
    mean_turn_sec: float = field(metadata=_json("meanTurnSec"))


@dataclass(frozen=True)
class Quote(Model):
    text: str
    start: float
    end: float


@dataclass(frozen=True)
class SectionEvidence(Model):
    key: str
    status: str
    quotes: tuple[Quote, ...]


@dataclass(frozen=True)
class Coverage(Model):
    target_seconds: float = field(metadata=_json("targetSeconds"))
    target_words: int = field(metadata=_json("targetWords"))
    share: float
    confidence: float
    sufficient: bool
    note: str | None


@dataclass(frozen=True)
class ReportEvidence(Model):
    """Per section, the target's own words that support it; their talk statistics; coverage."""

    report_id: str = field(metadata=_json("reportId"))
    entity: ResolvedEntity
    sections: tuple[SectionEvidence, ...]
    analytics: SpeakerAnalytics
    coverage: Coverage


# Jobs (GET /v1/jobs, /v1/jobs/{jobId}, the events stream)


@dataclass(frozen=True)
class JobError(Model):
    code: str
    message: str


@dataclass(frozen=True)
class JobProgress(Model):
    """While a job renders: the LLM's output tokens so far, or a wait on the provider just begun."""

    output_tokens: int = field(metadata=_json("outputTokens"))
    waiting_sec: float | None = field(metadata=_json("waitingSec"))
    waiting_reason: str | None = field(metadata=_json("waitingReason"))


@dataclass(frozen=True)
class JobResolution(Model):
    entity_id: str = field(metadata=_json("entityId"))
    entity_label: str | None = field(metadata=_json("entityLabel"))
    strategy: Strategy
    fell_back: bool = field(metadata=_json("fellBack"))
    confidence: float
    reason: str


@dataclass(frozen=True)
class WebhookState(Model):
    """Where delivery of a job's webhook stands (its custom header values are never shown)."""

    url: str
    status: Literal["pending", "delivered", "failed"]
    attempts: int
    last_status_code: int | None = field(default=None, metadata=_json("lastStatusCode"))
    last_error: str | None = field(default=None, metadata=_json("lastError"))
    next_attempt_at: str | None = field(default=None, metadata=_json("nextAttemptAt"))


@dataclass(frozen=True)
class JobCall(Model):
    """One LLM call of a job: the route it went to and what came of it."""

    provider: str
    model: str
    outcome: str


@dataclass(frozen=True)
class JobUsage(Model):
    """What a job's LLM calls used, summed over every call (retries and repair turns included)."""

    input_tokens: int = field(metadata=_json("inputTokens"))
    output_tokens: int = field(metadata=_json("outputTokens"))
    attempts: int
    provider: str
    model: str
    cost_usd: float = field(metadata=_json("costUsd"))
    calls: tuple[JobCall, ...] = ()


@dataclass(frozen=True)
class Job(Model):
    job_id: str = field(metadata=_json("jobId"))
    status: JobStatus
    stage: JobStage | None
    label: str | None
    media_id: str = field(metadata=_json("mediaId"))
    template: Template
    target: Target
    created_at: str = field(metadata=_json("createdAt"))
    updated_at: str = field(metadata=_json("updatedAt"))
    report_id: str | None = field(metadata=_json("reportId"))
    error: JobError | None
    resolution: JobResolution | None
    webhook: WebhookState | None = None
    report_deleted: bool = field(default=False, metadata=_json("reportDeleted"))
    expires_at: str | None = field(default=None, metadata=_json("expiresAt"))
    usage: JobUsage | None = None

    @property
    def id(self) -> str:
        return self.job_id

    @property
    def done(self) -> bool:
        return self.status in TERMINAL_STATUSES


@dataclass(frozen=True)
class UsageFigures(Model):
    jobs: int
    input_tokens: int = field(metadata=_json("inputTokens"))
    output_tokens: int = field(metadata=_json("outputTokens"))
    cost_usd: float = field(metadata=_json("costUsd"))


@dataclass(frozen=True)
class UsageGroup(UsageFigures):
    """One UTC day (YYYY-MM-DD) or one model, and what the jobs that ended in it used."""

    group: str


@dataclass(frozen=True)
class Usage(Model):
    """The tenant's LLM usage over [from, to) (GET /v1/usage), by day or by model."""

    from_: str = field(metadata=_json("from"))
    to: str
    group_by: Literal["day", "model"] = field(metadata=_json("groupBy"))
    groups: tuple[UsageGroup, ...]
    total: UsageFigures


@dataclass(frozen=True)
class AuditRecord(Model):
    """One deletion (GET /v1/audit): what, why, how much went with it, by which key's id."""

    audit_id: str = field(metadata=_json("auditId"))
    action: Literal["delete"]
    object_type: Literal["media", "job", "report"] = field(metadata=_json("objectType"))
    object_id: str = field(metadata=_json("objectId"))
    reason: Literal["request", "retention"]
    api_key_id: str | None = field(metadata=_json("apiKeyId"))
    derived: dict[str, int]
    at: str


@dataclass(frozen=True)
class JobEvent(Model):
    """A status event from GET /v1/jobs/{jobId}/events; `id` is its stream sequence (the SSE id)."""

    job_id: str = field(metadata=_json("jobId"))
    status: JobStatus
    stage: JobStage | None
    report_id: str | None = field(metadata=_json("reportId"))
    error: JobError | None
    at: str
    progress: JobProgress | None = None
    id: int | None = field(default=None, metadata={"local": True})

    @property
    def done(self) -> bool:
        return self.status in TERMINAL_STATUSES


# decoding and encoding


def _json_name(f: dataclasses.Field[Any]) -> str:
    return str(f.metadata.get("json", f.name))


def json_fields(cls: type[Model]) -> dict[str, tuple[dataclasses.Field[Any], Any]]:
    """{json name: (field, resolved type)} of a model's API fields."""
    hints = _hints(cls)
    return {_json_name(f): (f, hints[f.name]) for f in dataclasses.fields(cls) if not f.metadata.get("local")}


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls)
    return _HINTS[cls]


def _decode(tp: Any, value: Any) -> Any:
    origin = typing.get_origin(tp)
    if value is None:
        return None
    if origin in (Union, types.UnionType):
        options = [a for a in typing.get_args(tp) if a is not type(None)]
        models = [a for a in options if isinstance(a, type) and issubclass(a, Model)]
        if len(models) > 1 and isinstance(value, Mapping):
            # the report's sections: picked by their `kind`
            chosen = next((m for m in models if getattr(m, "KIND", None) == value.get("kind")), None)
            return _decode(chosen, value) if chosen is not None else dict(value)
        return _decode(options[0], value) if len(options) == 1 else value
    if isinstance(tp, type) and issubclass(tp, Model):
        if not isinstance(value, Mapping):
            return value
        kwargs = {f.name: _decode(hint, value.get(name)) for name, (f, hint) in json_fields(tp).items()}
        return tp(**kwargs, raw=dict(value))
    if origin is tuple and isinstance(value, list):
        item = typing.get_args(tp)[0]
        return tuple(_decode(item, v) for v in value)
    if tp is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if origin is dict and isinstance(value, Mapping):
        return dict(value)
    return value


def _encode_model(value: Model) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, (f, _hint) in json_fields(type(value)).items():
        item = getattr(value, f.name)
        if item is not None:
            out[name] = _encode(item)
    return out


def _encode(value: Any) -> Any:
    if isinstance(value, Model):
        return _encode_model(value)
    if isinstance(value, (list, tuple)):
        return [_encode(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _encode(v) for k, v in value.items()}
    return value
