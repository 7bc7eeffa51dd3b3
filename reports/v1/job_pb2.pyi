import datetime

from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from reports.v1 import target_pb2 as _target_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class JobStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    JOB_STATUS_UNSPECIFIED: _ClassVar[JobStatus]
    JOB_STATUS_QUEUED: _ClassVar[JobStatus]
    JOB_STATUS_RUNNING: _ClassVar[JobStatus]
    JOB_STATUS_SUCCEEDED: _ClassVar[JobStatus]
    JOB_STATUS_FAILED: _ClassVar[JobStatus]
    JOB_STATUS_CANCELED: _ClassVar[JobStatus]

class JobStage(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    JOB_STAGE_UNSPECIFIED: _ClassVar[JobStage]
    JOB_STAGE_QUEUED: _ClassVar[JobStage]
    JOB_STAGE_RESOLVING: _ClassVar[JobStage]
    JOB_STAGE_RENDERING: _ClassVar[JobStage]
    JOB_STAGE_STORING: _ClassVar[JobStage]
    JOB_STAGE_WAITING: _ClassVar[JobStage]
JOB_STATUS_UNSPECIFIED: JobStatus
JOB_STATUS_QUEUED: JobStatus
JOB_STATUS_RUNNING: JobStatus
JOB_STATUS_SUCCEEDED: JobStatus
JOB_STATUS_FAILED: JobStatus
JOB_STATUS_CANCELED: JobStatus
JOB_STAGE_UNSPECIFIED: JobStage
JOB_STAGE_QUEUED: JobStage
JOB_STAGE_RESOLVING: JobStage
JOB_STAGE_RENDERING: JobStage
JOB_STAGE_STORING: JobStage
JOB_STAGE_WAITING: JobStage

class JobError(_message.Message):
    __slots__ = ("code", "message")
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    code: str
    message: str
    def __init__(self, code: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class Webhook(_message.Message):
    __slots__ = ("url", "headers")
    class HeadersEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    URL_FIELD_NUMBER: _ClassVar[int]
    HEADERS_FIELD_NUMBER: _ClassVar[int]
    url: str
    headers: _containers.ScalarMap[str, str]
    def __init__(self, url: _Optional[str] = ..., headers: _Optional[_Mapping[str, str]] = ...) -> None: ...

class WebhookState(_message.Message):
    __slots__ = ("status", "attempts", "last_status_code", "last_error", "next_attempt_at", "event_id")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    LAST_STATUS_CODE_FIELD_NUMBER: _ClassVar[int]
    LAST_ERROR_FIELD_NUMBER: _ClassVar[int]
    NEXT_ATTEMPT_AT_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    status: str
    attempts: int
    last_status_code: int
    last_error: str
    next_attempt_at: _timestamp_pb2.Timestamp
    event_id: str
    def __init__(self, status: _Optional[str] = ..., attempts: _Optional[int] = ..., last_status_code: _Optional[int] = ..., last_error: _Optional[str] = ..., next_attempt_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., event_id: _Optional[str] = ...) -> None: ...

class JobResolution(_message.Message):
    __slots__ = ("entity_id", "entity_label", "strategy", "fell_back", "confidence", "reason")
    ENTITY_ID_FIELD_NUMBER: _ClassVar[int]
    ENTITY_LABEL_FIELD_NUMBER: _ClassVar[int]
    STRATEGY_FIELD_NUMBER: _ClassVar[int]
    FELL_BACK_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    entity_id: str
    entity_label: str
    strategy: str
    fell_back: bool
    confidence: float
    reason: str
    def __init__(self, entity_id: _Optional[str] = ..., entity_label: _Optional[str] = ..., strategy: _Optional[str] = ..., fell_back: _Optional[bool] = ..., confidence: _Optional[float] = ..., reason: _Optional[str] = ...) -> None: ...

class Job(_message.Message):
    __slots__ = ("id", "tenant", "media_id", "status", "stage", "label", "entity_label", "template", "template_params", "target", "webhook", "report_id", "error", "created_at", "updated_at", "resolution", "idempotency_key", "webhook_state", "expires_at", "report_deleted", "usage")
    ID_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    MEDIA_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    ENTITY_LABEL_FIELD_NUMBER: _ClassVar[int]
    TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    TEMPLATE_PARAMS_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    WEBHOOK_FIELD_NUMBER: _ClassVar[int]
    REPORT_ID_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    RESOLUTION_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    WEBHOOK_STATE_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    REPORT_DELETED_FIELD_NUMBER: _ClassVar[int]
    USAGE_FIELD_NUMBER: _ClassVar[int]
    id: str
    tenant: str
    media_id: str
    status: JobStatus
    stage: JobStage
    label: str
    entity_label: str
    template: str
    template_params: _struct_pb2.Struct
    target: _target_pb2.Target
    webhook: Webhook
    report_id: str
    error: JobError
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    resolution: JobResolution
    idempotency_key: str
    webhook_state: WebhookState
    expires_at: _timestamp_pb2.Timestamp
    report_deleted: bool
    usage: JobUsage
    def __init__(self, id: _Optional[str] = ..., tenant: _Optional[str] = ..., media_id: _Optional[str] = ..., status: _Optional[_Union[JobStatus, str]] = ..., stage: _Optional[_Union[JobStage, str]] = ..., label: _Optional[str] = ..., entity_label: _Optional[str] = ..., template: _Optional[str] = ..., template_params: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., target: _Optional[_Union[_target_pb2.Target, _Mapping]] = ..., webhook: _Optional[_Union[Webhook, _Mapping]] = ..., report_id: _Optional[str] = ..., error: _Optional[_Union[JobError, _Mapping]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., resolution: _Optional[_Union[JobResolution, _Mapping]] = ..., idempotency_key: _Optional[str] = ..., webhook_state: _Optional[_Union[WebhookState, _Mapping]] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., report_deleted: _Optional[bool] = ..., usage: _Optional[_Union[JobUsage, _Mapping]] = ...) -> None: ...

class JobUsage(_message.Message):
    __slots__ = ("input_tokens", "output_tokens", "attempts", "provider", "model", "cost_usd", "calls")
    INPUT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    COST_USD_FIELD_NUMBER: _ClassVar[int]
    CALLS_FIELD_NUMBER: _ClassVar[int]
    input_tokens: int
    output_tokens: int
    attempts: int
    provider: str
    model: str
    cost_usd: float
    calls: _containers.RepeatedCompositeFieldContainer[JobCall]
    def __init__(self, input_tokens: _Optional[int] = ..., output_tokens: _Optional[int] = ..., attempts: _Optional[int] = ..., provider: _Optional[str] = ..., model: _Optional[str] = ..., cost_usd: _Optional[float] = ..., calls: _Optional[_Iterable[_Union[JobCall, _Mapping]]] = ...) -> None: ...

class JobCall(_message.Message):
    __slots__ = ("provider", "model", "outcome")
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    provider: str
    model: str
    outcome: str
    def __init__(self, provider: _Optional[str] = ..., model: _Optional[str] = ..., outcome: _Optional[str] = ...) -> None: ...

class JobEvent(_message.Message):
    __slots__ = ("event_id", "job_id", "tenant", "status", "stage", "report_id", "error", "at", "has_webhook", "progress")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    REPORT_ID_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    HAS_WEBHOOK_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    job_id: str
    tenant: str
    status: JobStatus
    stage: JobStage
    report_id: str
    error: JobError
    at: _timestamp_pb2.Timestamp
    has_webhook: bool
    progress: JobProgress
    def __init__(self, event_id: _Optional[str] = ..., job_id: _Optional[str] = ..., tenant: _Optional[str] = ..., status: _Optional[_Union[JobStatus, str]] = ..., stage: _Optional[_Union[JobStage, str]] = ..., report_id: _Optional[str] = ..., error: _Optional[_Union[JobError, _Mapping]] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., has_webhook: _Optional[bool] = ..., progress: _Optional[_Union[JobProgress, _Mapping]] = ...) -> None: ...

class JobProgress(_message.Message):
    __slots__ = ("output_tokens", "waiting_sec", "waiting_reason")
    OUTPUT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    WAITING_SEC_FIELD_NUMBER: _ClassVar[int]
    WAITING_REASON_FIELD_NUMBER: _ClassVar[int]
    output_tokens: int
    waiting_sec: float
    waiting_reason: str
    def __init__(self, output_tokens: _Optional[int] = ..., waiting_sec: _Optional[float] = ..., waiting_reason: _Optional[str] = ...) -> None: ...

class RenderCommand(_message.Message):
    __slots__ = ("job_id", "tenant", "request_id", "media_id", "target", "entity_label")
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    MEDIA_ID_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    ENTITY_LABEL_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    tenant: str
    request_id: str
    media_id: str
    target: _target_pb2.Target
    entity_label: str
    def __init__(self, job_id: _Optional[str] = ..., tenant: _Optional[str] = ..., request_id: _Optional[str] = ..., media_id: _Optional[str] = ..., target: _Optional[_Union[_target_pb2.Target, _Mapping]] = ..., entity_label: _Optional[str] = ...) -> None: ...
