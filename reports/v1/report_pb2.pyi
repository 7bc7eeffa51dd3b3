import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from reports.v1 import media_pb2 as _media_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Paragraph(_message.Message):
    __slots__ = ("body",)
    BODY_FIELD_NUMBER: _ClassVar[int]
    body: str
    def __init__(self, body: _Optional[str] = ...) -> None: ...

class Traits(_message.Message):
    __slots__ = ("body", "phrases")
    BODY_FIELD_NUMBER: _ClassVar[int]
    PHRASES_FIELD_NUMBER: _ClassVar[int]
    body: str
    phrases: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, body: _Optional[str] = ..., phrases: _Optional[_Iterable[str]] = ...) -> None: ...

class ActionItem(_message.Message):
    __slots__ = ("title", "context")
    TITLE_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    title: str
    context: str
    def __init__(self, title: _Optional[str] = ..., context: _Optional[str] = ...) -> None: ...

class Actions(_message.Message):
    __slots__ = ("items",)
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[ActionItem]
    def __init__(self, items: _Optional[_Iterable[_Union[ActionItem, _Mapping]]] = ...) -> None: ...

class Section(_message.Message):
    __slots__ = ("key", "title", "paragraph", "traits", "actions")
    KEY_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    PARAGRAPH_FIELD_NUMBER: _ClassVar[int]
    TRAITS_FIELD_NUMBER: _ClassVar[int]
    ACTIONS_FIELD_NUMBER: _ClassVar[int]
    key: str
    title: str
    paragraph: Paragraph
    traits: Traits
    actions: Actions
    def __init__(self, key: _Optional[str] = ..., title: _Optional[str] = ..., paragraph: _Optional[_Union[Paragraph, _Mapping]] = ..., traits: _Optional[_Union[Traits, _Mapping]] = ..., actions: _Optional[_Union[Actions, _Mapping]] = ...) -> None: ...

class PromptRef(_message.Message):
    __slots__ = ("name", "version", "labels")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    name: str
    version: int
    labels: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, name: _Optional[str] = ..., version: _Optional[int] = ..., labels: _Optional[_Iterable[str]] = ...) -> None: ...

class RenderInfo(_message.Message):
    __slots__ = ("attempts", "model", "provider")
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    attempts: int
    model: str
    provider: str
    def __init__(self, attempts: _Optional[int] = ..., model: _Optional[str] = ..., provider: _Optional[str] = ...) -> None: ...

class ReportMeta(_message.Message):
    __slots__ = ("prompt", "render")
    PROMPT_FIELD_NUMBER: _ClassVar[int]
    RENDER_FIELD_NUMBER: _ClassVar[int]
    prompt: PromptRef
    render: RenderInfo
    def __init__(self, prompt: _Optional[_Union[PromptRef, _Mapping]] = ..., render: _Optional[_Union[RenderInfo, _Mapping]] = ...) -> None: ...

class ReportDocument(_message.Message):
    __slots__ = ("template", "schema_version", "title", "summary", "sections", "meta")
    TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    SCHEMA_VERSION_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    SECTIONS_FIELD_NUMBER: _ClassVar[int]
    META_FIELD_NUMBER: _ClassVar[int]
    template: str
    schema_version: int
    title: str
    summary: str
    sections: _containers.RepeatedCompositeFieldContainer[Section]
    meta: ReportMeta
    def __init__(self, template: _Optional[str] = ..., schema_version: _Optional[int] = ..., title: _Optional[str] = ..., summary: _Optional[str] = ..., sections: _Optional[_Iterable[_Union[Section, _Mapping]]] = ..., meta: _Optional[_Union[ReportMeta, _Mapping]] = ...) -> None: ...

class Quote(_message.Message):
    __slots__ = ("text", "start", "end")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    text: str
    start: float
    end: float
    def __init__(self, text: _Optional[str] = ..., start: _Optional[float] = ..., end: _Optional[float] = ...) -> None: ...

class SectionEvidence(_message.Message):
    __slots__ = ("key", "status", "quotes")
    KEY_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    QUOTES_FIELD_NUMBER: _ClassVar[int]
    key: str
    status: str
    quotes: _containers.RepeatedCompositeFieldContainer[Quote]
    def __init__(self, key: _Optional[str] = ..., status: _Optional[str] = ..., quotes: _Optional[_Iterable[_Union[Quote, _Mapping]]] = ...) -> None: ...

class Coverage(_message.Message):
    __slots__ = ("target_seconds", "target_words", "share", "confidence", "sufficient", "note")
    TARGET_SECONDS_FIELD_NUMBER: _ClassVar[int]
    TARGET_WORDS_FIELD_NUMBER: _ClassVar[int]
    SHARE_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    SUFFICIENT_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    target_seconds: float
    target_words: int
    share: float
    confidence: float
    sufficient: bool
    note: str
    def __init__(self, target_seconds: _Optional[float] = ..., target_words: _Optional[int] = ..., share: _Optional[float] = ..., confidence: _Optional[float] = ..., sufficient: _Optional[bool] = ..., note: _Optional[str] = ...) -> None: ...

class ReportEvidence(_message.Message):
    __slots__ = ("sections", "analytics", "coverage")
    SECTIONS_FIELD_NUMBER: _ClassVar[int]
    ANALYTICS_FIELD_NUMBER: _ClassVar[int]
    COVERAGE_FIELD_NUMBER: _ClassVar[int]
    sections: _containers.RepeatedCompositeFieldContainer[SectionEvidence]
    analytics: _media_pb2.SpeakerAnalytics
    coverage: Coverage
    def __init__(self, sections: _Optional[_Iterable[_Union[SectionEvidence, _Mapping]]] = ..., analytics: _Optional[_Union[_media_pb2.SpeakerAnalytics, _Mapping]] = ..., coverage: _Optional[_Union[Coverage, _Mapping]] = ...) -> None: ...

class ReportEntity(_message.Message):
    __slots__ = ("id", "label")
    ID_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    id: str
    label: str
    def __init__(self, id: _Optional[str] = ..., label: _Optional[str] = ...) -> None: ...

class Report(_message.Message):
    __slots__ = ("id", "tenant", "job_id", "media_id", "media_url", "template", "label", "entity", "document", "markdown", "created_at", "evidence", "expires_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    MEDIA_ID_FIELD_NUMBER: _ClassVar[int]
    MEDIA_URL_FIELD_NUMBER: _ClassVar[int]
    TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    ENTITY_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    MARKDOWN_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    tenant: str
    job_id: str
    media_id: str
    media_url: str
    template: str
    label: str
    entity: ReportEntity
    document: ReportDocument
    markdown: str
    created_at: _timestamp_pb2.Timestamp
    evidence: ReportEvidence
    expires_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., tenant: _Optional[str] = ..., job_id: _Optional[str] = ..., media_id: _Optional[str] = ..., media_url: _Optional[str] = ..., template: _Optional[str] = ..., label: _Optional[str] = ..., entity: _Optional[_Union[ReportEntity, _Mapping]] = ..., document: _Optional[_Union[ReportDocument, _Mapping]] = ..., markdown: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., evidence: _Optional[_Union[ReportEvidence, _Mapping]] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
