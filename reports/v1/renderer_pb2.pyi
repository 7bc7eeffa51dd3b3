from google.protobuf import struct_pb2 as _struct_pb2
from reports.v1 import media_pb2 as _media_pb2
from reports.v1 import report_pb2 as _report_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class RenderReportRequest(_message.Message):
    __slots__ = ("tenant", "entity", "evidence", "template", "template_params", "media_title", "media_duration_sec")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    ENTITY_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    TEMPLATE_PARAMS_FIELD_NUMBER: _ClassVar[int]
    MEDIA_TITLE_FIELD_NUMBER: _ClassVar[int]
    MEDIA_DURATION_SEC_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    entity: _media_pb2.Entity
    evidence: _containers.RepeatedCompositeFieldContainer[_media_pb2.Segment]
    template: str
    template_params: _struct_pb2.Struct
    media_title: str
    media_duration_sec: float
    def __init__(self, tenant: _Optional[str] = ..., entity: _Optional[_Union[_media_pb2.Entity, _Mapping]] = ..., evidence: _Optional[_Iterable[_Union[_media_pb2.Segment, _Mapping]]] = ..., template: _Optional[str] = ..., template_params: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., media_title: _Optional[str] = ..., media_duration_sec: _Optional[float] = ...) -> None: ...

class RenderReportResponse(_message.Message):
    __slots__ = ("document", "markdown")
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    MARKDOWN_FIELD_NUMBER: _ClassVar[int]
    document: _report_pb2.ReportDocument
    markdown: str
    def __init__(self, document: _Optional[_Union[_report_pb2.ReportDocument, _Mapping]] = ..., markdown: _Optional[str] = ...) -> None: ...
