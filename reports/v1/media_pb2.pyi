import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Segment(_message.Message):
    __slots__ = ("speaker", "start", "end", "text")
    SPEAKER_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    speaker: str
    start: float
    end: float
    text: str
    def __init__(self, speaker: _Optional[str] = ..., start: _Optional[float] = ..., end: _Optional[float] = ..., text: _Optional[str] = ...) -> None: ...

class SpeakerAnalytics(_message.Message):
    __slots__ = ("speaking_sec", "share", "words", "turns", "words_per_minute", "questions", "longest_monologue_sec", "interruptions", "mean_turn_sec", "first_spoke_at")
    SPEAKING_SEC_FIELD_NUMBER: _ClassVar[int]
    SHARE_FIELD_NUMBER: _ClassVar[int]
    WORDS_FIELD_NUMBER: _ClassVar[int]
    TURNS_FIELD_NUMBER: _ClassVar[int]
    WORDS_PER_MINUTE_FIELD_NUMBER: _ClassVar[int]
    QUESTIONS_FIELD_NUMBER: _ClassVar[int]
    LONGEST_MONOLOGUE_SEC_FIELD_NUMBER: _ClassVar[int]
    INTERRUPTIONS_FIELD_NUMBER: _ClassVar[int]
    MEAN_TURN_SEC_FIELD_NUMBER: _ClassVar[int]
    FIRST_SPOKE_AT_FIELD_NUMBER: _ClassVar[int]
    speaking_sec: float
    share: float
    words: int
    turns: int
    words_per_minute: float
    questions: int
    longest_monologue_sec: float
    interruptions: int
    mean_turn_sec: float
    first_spoke_at: float
    def __init__(self, speaking_sec: _Optional[float] = ..., share: _Optional[float] = ..., words: _Optional[int] = ..., turns: _Optional[int] = ..., words_per_minute: _Optional[float] = ..., questions: _Optional[int] = ..., longest_monologue_sec: _Optional[float] = ..., interruptions: _Optional[int] = ..., mean_turn_sec: _Optional[float] = ..., first_spoke_at: _Optional[float] = ...) -> None: ...

class Entity(_message.Message):
    __slots__ = ("id", "label", "description", "analytics")
    ID_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    ANALYTICS_FIELD_NUMBER: _ClassVar[int]
    id: str
    label: str
    description: str
    analytics: SpeakerAnalytics
    def __init__(self, id: _Optional[str] = ..., label: _Optional[str] = ..., description: _Optional[str] = ..., analytics: _Optional[_Union[SpeakerAnalytics, _Mapping]] = ...) -> None: ...

class Media(_message.Message):
    __slots__ = ("id", "tenant", "title", "url", "duration_sec", "created_at", "entities", "segments", "transcript_format", "expires_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    DURATION_SEC_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    ENTITIES_FIELD_NUMBER: _ClassVar[int]
    SEGMENTS_FIELD_NUMBER: _ClassVar[int]
    TRANSCRIPT_FORMAT_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    tenant: str
    title: str
    url: str
    duration_sec: float
    created_at: _timestamp_pb2.Timestamp
    entities: _containers.RepeatedCompositeFieldContainer[Entity]
    segments: _containers.RepeatedCompositeFieldContainer[Segment]
    transcript_format: str
    expires_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., tenant: _Optional[str] = ..., title: _Optional[str] = ..., url: _Optional[str] = ..., duration_sec: _Optional[float] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., entities: _Optional[_Iterable[_Union[Entity, _Mapping]]] = ..., segments: _Optional[_Iterable[_Union[Segment, _Mapping]]] = ..., transcript_format: _Optional[str] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SpeakerInfo(_message.Message):
    __slots__ = ("id", "label", "description")
    ID_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    id: str
    label: str
    description: str
    def __init__(self, id: _Optional[str] = ..., label: _Optional[str] = ..., description: _Optional[str] = ...) -> None: ...
