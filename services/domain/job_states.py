"""Job statuses and stages: their names on the wire (JSON, database) and in protobuf."""

from __future__ import annotations

from reports.v1 import job_pb2

QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELED = "queued", "running", "succeeded", "failed", "canceled"
TERMINAL = frozenset({SUCCEEDED, FAILED, CANCELED})
STAGES = ("queued", "resolving", "rendering", "storing", "waiting")
# A queued job parked by its tenant's in-flight cap (services/store/inflight.py).
WAITING = "waiting"

_STATUS = {
    QUEUED: job_pb2.JOB_STATUS_QUEUED,
    RUNNING: job_pb2.JOB_STATUS_RUNNING,
    SUCCEEDED: job_pb2.JOB_STATUS_SUCCEEDED,
    FAILED: job_pb2.JOB_STATUS_FAILED,
    CANCELED: job_pb2.JOB_STATUS_CANCELED,
}
_STATUS_NAME: dict[int, str] = {v: k for k, v in _STATUS.items()}
TERMINAL_VALUES = frozenset(_STATUS[name] for name in TERMINAL)  # the same, as protobuf enum values
_STAGE = {
    "queued": job_pb2.JOB_STAGE_QUEUED,
    "resolving": job_pb2.JOB_STAGE_RESOLVING,
    "rendering": job_pb2.JOB_STAGE_RENDERING,
    "storing": job_pb2.JOB_STAGE_STORING,
    "waiting": job_pb2.JOB_STAGE_WAITING,
}
_STAGE_NAME: dict[int, str] = {v: k for k, v in _STAGE.items()}


def status_value(name: str) -> job_pb2.JobStatus:
    return _STATUS[name]


def status_name(value: int) -> str | None:
    return _STATUS_NAME.get(value)


def stage_value(name: str) -> job_pb2.JobStage:
    return _STAGE[name]


def stage_name(value: int) -> str | None:
    return _STAGE_NAME.get(value)
