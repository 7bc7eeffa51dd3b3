from reports.v1 import media_pb2 as _media_pb2
from reports.v1 import target_pb2 as _target_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ResolveTargetRequest(_message.Message):
    __slots__ = ("tenant", "media_id", "target")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    MEDIA_ID_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    media_id: str
    target: _target_pb2.Target
    def __init__(self, tenant: _Optional[str] = ..., media_id: _Optional[str] = ..., target: _Optional[_Union[_target_pb2.Target, _Mapping]] = ...) -> None: ...

class EvidenceSpan(_message.Message):
    __slots__ = ("start", "end")
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    start: float
    end: float
    def __init__(self, start: _Optional[float] = ..., end: _Optional[float] = ...) -> None: ...

class Resolution(_message.Message):
    __slots__ = ("entity", "strategy", "fell_back", "confidence", "reason", "evidence", "spans", "media_title", "media_duration_sec", "entities")
    ENTITY_FIELD_NUMBER: _ClassVar[int]
    STRATEGY_FIELD_NUMBER: _ClassVar[int]
    FELL_BACK_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    SPANS_FIELD_NUMBER: _ClassVar[int]
    MEDIA_TITLE_FIELD_NUMBER: _ClassVar[int]
    MEDIA_DURATION_SEC_FIELD_NUMBER: _ClassVar[int]
    ENTITIES_FIELD_NUMBER: _ClassVar[int]
    entity: _media_pb2.Entity
    strategy: str
    fell_back: bool
    confidence: float
    reason: str
    evidence: _containers.RepeatedCompositeFieldContainer[_media_pb2.Segment]
    spans: _containers.RepeatedCompositeFieldContainer[EvidenceSpan]
    media_title: str
    media_duration_sec: float
    entities: _containers.RepeatedCompositeFieldContainer[_media_pb2.Entity]
    def __init__(self, entity: _Optional[_Union[_media_pb2.Entity, _Mapping]] = ..., strategy: _Optional[str] = ..., fell_back: _Optional[bool] = ..., confidence: _Optional[float] = ..., reason: _Optional[str] = ..., evidence: _Optional[_Iterable[_Union[_media_pb2.Segment, _Mapping]]] = ..., spans: _Optional[_Iterable[_Union[EvidenceSpan, _Mapping]]] = ..., media_title: _Optional[str] = ..., media_duration_sec: _Optional[float] = ..., entities: _Optional[_Iterable[_Union[_media_pb2.Entity, _Mapping]]] = ...) -> None: ...
