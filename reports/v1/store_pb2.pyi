import datetime

from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from reports.v1 import job_pb2 as _job_pb2
from reports.v1 import media_pb2 as _media_pb2
from reports.v1 import report_pb2 as _report_pb2
from reports.v1 import target_pb2 as _target_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class TranscriptInput(_message.Message):
    __slots__ = ("format", "content")
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    format: str
    content: str
    def __init__(self, format: _Optional[str] = ..., content: _Optional[str] = ...) -> None: ...

class CreateMediaRequest(_message.Message):
    __slots__ = ("tenant", "title", "url", "transcript", "speakers", "expires_at", "retention_days", "default_retention_days")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    TRANSCRIPT_FIELD_NUMBER: _ClassVar[int]
    SPEAKERS_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    RETENTION_DAYS_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_RETENTION_DAYS_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    title: str
    url: str
    transcript: TranscriptInput
    speakers: _containers.RepeatedCompositeFieldContainer[_media_pb2.SpeakerInfo]
    expires_at: _timestamp_pb2.Timestamp
    retention_days: int
    default_retention_days: int
    def __init__(self, tenant: _Optional[str] = ..., title: _Optional[str] = ..., url: _Optional[str] = ..., transcript: _Optional[_Union[TranscriptInput, _Mapping]] = ..., speakers: _Optional[_Iterable[_Union[_media_pb2.SpeakerInfo, _Mapping]]] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., retention_days: _Optional[int] = ..., default_retention_days: _Optional[int] = ...) -> None: ...

class GetMediaRequest(_message.Message):
    __slots__ = ("tenant", "media_id", "include_segments")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    MEDIA_ID_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_SEGMENTS_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    media_id: str
    include_segments: bool
    def __init__(self, tenant: _Optional[str] = ..., media_id: _Optional[str] = ..., include_segments: _Optional[bool] = ...) -> None: ...

class ListMediaRequest(_message.Message):
    __slots__ = ("tenant", "limit", "cursor")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    limit: int
    cursor: str
    def __init__(self, tenant: _Optional[str] = ..., limit: _Optional[int] = ..., cursor: _Optional[str] = ...) -> None: ...

class ListMediaResponse(_message.Message):
    __slots__ = ("items", "next_cursor")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    NEXT_CURSOR_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[_media_pb2.Media]
    next_cursor: str
    def __init__(self, items: _Optional[_Iterable[_Union[_media_pb2.Media, _Mapping]]] = ..., next_cursor: _Optional[str] = ...) -> None: ...

class CreateJobRequest(_message.Message):
    __slots__ = ("tenant", "idempotency_key", "request_fingerprint", "media_id", "template", "template_params", "target", "label", "entity_label", "webhook", "request_id", "trace_context")
    class TraceContextEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    TENANT_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    REQUEST_FINGERPRINT_FIELD_NUMBER: _ClassVar[int]
    MEDIA_ID_FIELD_NUMBER: _ClassVar[int]
    TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    TEMPLATE_PARAMS_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    ENTITY_LABEL_FIELD_NUMBER: _ClassVar[int]
    WEBHOOK_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    TRACE_CONTEXT_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    idempotency_key: str
    request_fingerprint: str
    media_id: str
    template: str
    template_params: _struct_pb2.Struct
    target: _target_pb2.Target
    label: str
    entity_label: str
    webhook: _job_pb2.Webhook
    request_id: str
    trace_context: _containers.ScalarMap[str, str]
    def __init__(self, tenant: _Optional[str] = ..., idempotency_key: _Optional[str] = ..., request_fingerprint: _Optional[str] = ..., media_id: _Optional[str] = ..., template: _Optional[str] = ..., template_params: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., target: _Optional[_Union[_target_pb2.Target, _Mapping]] = ..., label: _Optional[str] = ..., entity_label: _Optional[str] = ..., webhook: _Optional[_Union[_job_pb2.Webhook, _Mapping]] = ..., request_id: _Optional[str] = ..., trace_context: _Optional[_Mapping[str, str]] = ...) -> None: ...

class CreateJobResponse(_message.Message):
    __slots__ = ("job_id", "replayed", "estimated_wait_sec")
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    ESTIMATED_WAIT_SEC_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    replayed: bool
    estimated_wait_sec: float
    def __init__(self, job_id: _Optional[str] = ..., replayed: _Optional[bool] = ..., estimated_wait_sec: _Optional[float] = ...) -> None: ...

class CreateJobsRequest(_message.Message):
    __slots__ = ("creates",)
    CREATES_FIELD_NUMBER: _ClassVar[int]
    creates: _containers.RepeatedCompositeFieldContainer[CreateJobRequest]
    def __init__(self, creates: _Optional[_Iterable[_Union[CreateJobRequest, _Mapping]]] = ...) -> None: ...

class CreateJobOutcome(_message.Message):
    __slots__ = ("created", "error")
    CREATED_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    created: CreateJobResponse
    error: bytes
    def __init__(self, created: _Optional[_Union[CreateJobResponse, _Mapping]] = ..., error: _Optional[bytes] = ...) -> None: ...

class CreateJobsResponse(_message.Message):
    __slots__ = ("outcomes",)
    OUTCOMES_FIELD_NUMBER: _ClassVar[int]
    outcomes: _containers.RepeatedCompositeFieldContainer[CreateJobOutcome]
    def __init__(self, outcomes: _Optional[_Iterable[_Union[CreateJobOutcome, _Mapping]]] = ...) -> None: ...

class GetJobRequest(_message.Message):
    __slots__ = ("tenant", "job_id")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    job_id: str
    def __init__(self, tenant: _Optional[str] = ..., job_id: _Optional[str] = ...) -> None: ...

class ListJobsRequest(_message.Message):
    __slots__ = ("tenant", "status", "limit", "cursor")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    status: _job_pb2.JobStatus
    limit: int
    cursor: str
    def __init__(self, tenant: _Optional[str] = ..., status: _Optional[_Union[_job_pb2.JobStatus, str]] = ..., limit: _Optional[int] = ..., cursor: _Optional[str] = ...) -> None: ...

class ListJobsResponse(_message.Message):
    __slots__ = ("items", "next_cursor")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    NEXT_CURSOR_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[_job_pb2.Job]
    next_cursor: str
    def __init__(self, items: _Optional[_Iterable[_Union[_job_pb2.Job, _Mapping]]] = ..., next_cursor: _Optional[str] = ...) -> None: ...

class ClaimJobRequest(_message.Message):
    __slots__ = ("tenant", "job_id", "resolution")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    RESOLUTION_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    job_id: str
    resolution: _job_pb2.JobResolution
    def __init__(self, tenant: _Optional[str] = ..., job_id: _Optional[str] = ..., resolution: _Optional[_Union[_job_pb2.JobResolution, _Mapping]] = ...) -> None: ...

class ClaimJobResponse(_message.Message):
    __slots__ = ("job", "prompt")
    JOB_FIELD_NUMBER: _ClassVar[int]
    PROMPT_FIELD_NUMBER: _ClassVar[int]
    job: _job_pb2.Job
    prompt: PromptVersion
    def __init__(self, job: _Optional[_Union[_job_pb2.Job, _Mapping]] = ..., prompt: _Optional[_Union[PromptVersion, _Mapping]] = ...) -> None: ...

class TransitionJobRequest(_message.Message):
    __slots__ = ("tenant", "job_id", "status", "stage", "error", "resolution", "progress", "usage")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    RESOLUTION_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    USAGE_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    job_id: str
    status: _job_pb2.JobStatus
    stage: _job_pb2.JobStage
    error: _job_pb2.JobError
    resolution: _job_pb2.JobResolution
    progress: _job_pb2.JobProgress
    usage: _job_pb2.JobUsage
    def __init__(self, tenant: _Optional[str] = ..., job_id: _Optional[str] = ..., status: _Optional[_Union[_job_pb2.JobStatus, str]] = ..., stage: _Optional[_Union[_job_pb2.JobStage, str]] = ..., error: _Optional[_Union[_job_pb2.JobError, _Mapping]] = ..., resolution: _Optional[_Union[_job_pb2.JobResolution, _Mapping]] = ..., progress: _Optional[_Union[_job_pb2.JobProgress, _Mapping]] = ..., usage: _Optional[_Union[_job_pb2.JobUsage, _Mapping]] = ...) -> None: ...

class CompleteJobRequest(_message.Message):
    __slots__ = ("tenant", "job_id", "report", "usage")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    REPORT_FIELD_NUMBER: _ClassVar[int]
    USAGE_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    job_id: str
    report: _report_pb2.Report
    usage: _job_pb2.JobUsage
    def __init__(self, tenant: _Optional[str] = ..., job_id: _Optional[str] = ..., report: _Optional[_Union[_report_pb2.Report, _Mapping]] = ..., usage: _Optional[_Union[_job_pb2.JobUsage, _Mapping]] = ...) -> None: ...

class CompleteJobResponse(_message.Message):
    __slots__ = ("report_id", "stored")
    REPORT_ID_FIELD_NUMBER: _ClassVar[int]
    STORED_FIELD_NUMBER: _ClassVar[int]
    report_id: str
    stored: bool
    def __init__(self, report_id: _Optional[str] = ..., stored: _Optional[bool] = ...) -> None: ...

class CancelJobRequest(_message.Message):
    __slots__ = ("tenant", "job_id")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    job_id: str
    def __init__(self, tenant: _Optional[str] = ..., job_id: _Optional[str] = ...) -> None: ...

class GetReportRequest(_message.Message):
    __slots__ = ("tenant", "report_id")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    REPORT_ID_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    report_id: str
    def __init__(self, tenant: _Optional[str] = ..., report_id: _Optional[str] = ...) -> None: ...

class GetReportByJobRequest(_message.Message):
    __slots__ = ("tenant", "job_id")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    job_id: str
    def __init__(self, tenant: _Optional[str] = ..., job_id: _Optional[str] = ...) -> None: ...

class GetReportByJobResponse(_message.Message):
    __slots__ = ("job", "report")
    JOB_FIELD_NUMBER: _ClassVar[int]
    REPORT_FIELD_NUMBER: _ClassVar[int]
    job: _job_pb2.Job
    report: _report_pb2.Report
    def __init__(self, job: _Optional[_Union[_job_pb2.Job, _Mapping]] = ..., report: _Optional[_Union[_report_pb2.Report, _Mapping]] = ...) -> None: ...

class ListReportsRequest(_message.Message):
    __slots__ = ("tenant", "limit", "cursor")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    limit: int
    cursor: str
    def __init__(self, tenant: _Optional[str] = ..., limit: _Optional[int] = ..., cursor: _Optional[str] = ...) -> None: ...

class ListReportsResponse(_message.Message):
    __slots__ = ("items", "next_cursor")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    NEXT_CURSOR_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[_report_pb2.Report]
    next_cursor: str
    def __init__(self, items: _Optional[_Iterable[_Union[_report_pb2.Report, _Mapping]]] = ..., next_cursor: _Optional[str] = ...) -> None: ...

class PromptVersion(_message.Message):
    __slots__ = ("name", "version", "labels", "system", "instructions", "variables")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    SYSTEM_FIELD_NUMBER: _ClassVar[int]
    INSTRUCTIONS_FIELD_NUMBER: _ClassVar[int]
    VARIABLES_FIELD_NUMBER: _ClassVar[int]
    name: str
    version: int
    labels: _containers.RepeatedScalarFieldContainer[str]
    system: str
    instructions: str
    variables: _containers.RepeatedCompositeFieldContainer[PromptVariable]
    def __init__(self, name: _Optional[str] = ..., version: _Optional[int] = ..., labels: _Optional[_Iterable[str]] = ..., system: _Optional[str] = ..., instructions: _Optional[str] = ..., variables: _Optional[_Iterable[_Union[PromptVariable, _Mapping]]] = ...) -> None: ...

class PromptVariable(_message.Message):
    __slots__ = ("name", "required", "description", "default")
    NAME_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_FIELD_NUMBER: _ClassVar[int]
    name: str
    required: bool
    description: str
    default: str
    def __init__(self, name: _Optional[str] = ..., required: _Optional[bool] = ..., description: _Optional[str] = ..., default: _Optional[str] = ...) -> None: ...

class GetPromptRequest(_message.Message):
    __slots__ = ("name", "label", "version")
    NAME_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    name: str
    label: str
    version: int
    def __init__(self, name: _Optional[str] = ..., label: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...

class CreatePromptVersionRequest(_message.Message):
    __slots__ = ("name", "system", "instructions", "variables", "labels")
    NAME_FIELD_NUMBER: _ClassVar[int]
    SYSTEM_FIELD_NUMBER: _ClassVar[int]
    INSTRUCTIONS_FIELD_NUMBER: _ClassVar[int]
    VARIABLES_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    name: str
    system: str
    instructions: str
    variables: _containers.RepeatedCompositeFieldContainer[PromptVariable]
    labels: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, name: _Optional[str] = ..., system: _Optional[str] = ..., instructions: _Optional[str] = ..., variables: _Optional[_Iterable[_Union[PromptVariable, _Mapping]]] = ..., labels: _Optional[_Iterable[str]] = ...) -> None: ...

class SetPromptLabelsRequest(_message.Message):
    __slots__ = ("name", "version", "labels")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    name: str
    version: int
    labels: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, name: _Optional[str] = ..., version: _Optional[int] = ..., labels: _Optional[_Iterable[str]] = ...) -> None: ...

class RecordWebhookAttemptRequest(_message.Message):
    __slots__ = ("tenant", "job_id", "event_id", "status", "status_code", "error", "next_attempt_at")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    STATUS_CODE_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    NEXT_ATTEMPT_AT_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    job_id: str
    event_id: str
    status: str
    status_code: int
    error: str
    next_attempt_at: _timestamp_pb2.Timestamp
    def __init__(self, tenant: _Optional[str] = ..., job_id: _Optional[str] = ..., event_id: _Optional[str] = ..., status: _Optional[str] = ..., status_code: _Optional[int] = ..., error: _Optional[str] = ..., next_attempt_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RedeliverWebhookRequest(_message.Message):
    __slots__ = ("tenant", "job_id")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    job_id: str
    def __init__(self, tenant: _Optional[str] = ..., job_id: _Optional[str] = ...) -> None: ...

class DeleteRequest(_message.Message):
    __slots__ = ("tenant", "id", "api_key_id")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    API_KEY_ID_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    id: str
    api_key_id: str
    def __init__(self, tenant: _Optional[str] = ..., id: _Optional[str] = ..., api_key_id: _Optional[str] = ...) -> None: ...

class DeleteResponse(_message.Message):
    __slots__ = ("audit",)
    AUDIT_FIELD_NUMBER: _ClassVar[int]
    audit: AuditRecord
    def __init__(self, audit: _Optional[_Union[AuditRecord, _Mapping]] = ...) -> None: ...

class AuditRecord(_message.Message):
    __slots__ = ("id", "tenant", "action", "object_type", "object_id", "reason", "api_key_id", "derived", "created_at")
    class DerivedEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    OBJECT_TYPE_FIELD_NUMBER: _ClassVar[int]
    OBJECT_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    API_KEY_ID_FIELD_NUMBER: _ClassVar[int]
    DERIVED_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    tenant: str
    action: str
    object_type: str
    object_id: str
    reason: str
    api_key_id: str
    derived: _containers.ScalarMap[str, int]
    created_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., tenant: _Optional[str] = ..., action: _Optional[str] = ..., object_type: _Optional[str] = ..., object_id: _Optional[str] = ..., reason: _Optional[str] = ..., api_key_id: _Optional[str] = ..., derived: _Optional[_Mapping[str, int]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListAuditRequest(_message.Message):
    __slots__ = ("tenant", "limit", "cursor")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    limit: int
    cursor: str
    def __init__(self, tenant: _Optional[str] = ..., limit: _Optional[int] = ..., cursor: _Optional[str] = ...) -> None: ...

class ListAuditResponse(_message.Message):
    __slots__ = ("items", "next_cursor")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    NEXT_CURSOR_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[AuditRecord]
    next_cursor: str
    def __init__(self, items: _Optional[_Iterable[_Union[AuditRecord, _Mapping]]] = ..., next_cursor: _Optional[str] = ...) -> None: ...

class GetUsageRequest(_message.Message):
    __slots__ = ("tenant", "start", "end", "group_by")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    GROUP_BY_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    start: _timestamp_pb2.Timestamp
    end: _timestamp_pb2.Timestamp
    group_by: str
    def __init__(self, tenant: _Optional[str] = ..., start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., group_by: _Optional[str] = ...) -> None: ...

class UsageGroup(_message.Message):
    __slots__ = ("group", "jobs", "input_tokens", "output_tokens", "cost_usd")
    GROUP_FIELD_NUMBER: _ClassVar[int]
    JOBS_FIELD_NUMBER: _ClassVar[int]
    INPUT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    COST_USD_FIELD_NUMBER: _ClassVar[int]
    group: str
    jobs: int
    input_tokens: int
    output_tokens: int
    cost_usd: float
    def __init__(self, group: _Optional[str] = ..., jobs: _Optional[int] = ..., input_tokens: _Optional[int] = ..., output_tokens: _Optional[int] = ..., cost_usd: _Optional[float] = ...) -> None: ...

class GetUsageResponse(_message.Message):
    __slots__ = ("groups", "total")
    GROUPS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    groups: _containers.RepeatedCompositeFieldContainer[UsageGroup]
    total: UsageGroup
    def __init__(self, groups: _Optional[_Iterable[_Union[UsageGroup, _Mapping]]] = ..., total: _Optional[_Union[UsageGroup, _Mapping]] = ...) -> None: ...
