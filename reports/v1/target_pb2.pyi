from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Timerange(_message.Message):
    __slots__ = ("start_seconds", "end_seconds")
    START_SECONDS_FIELD_NUMBER: _ClassVar[int]
    END_SECONDS_FIELD_NUMBER: _ClassVar[int]
    start_seconds: float
    end_seconds: float
    def __init__(self, start_seconds: _Optional[float] = ..., end_seconds: _Optional[float] = ...) -> None: ...

class Target(_message.Message):
    __slots__ = ("strategy", "on_miss", "entity_id", "hint", "timerange")
    STRATEGY_FIELD_NUMBER: _ClassVar[int]
    ON_MISS_FIELD_NUMBER: _ClassVar[int]
    ENTITY_ID_FIELD_NUMBER: _ClassVar[int]
    HINT_FIELD_NUMBER: _ClassVar[int]
    TIMERANGE_FIELD_NUMBER: _ClassVar[int]
    strategy: str
    on_miss: str
    entity_id: str
    hint: str
    timerange: Timerange
    def __init__(self, strategy: _Optional[str] = ..., on_miss: _Optional[str] = ..., entity_id: _Optional[str] = ..., hint: _Optional[str] = ..., timerange: _Optional[_Union[Timerange, _Mapping]] = ...) -> None: ...
