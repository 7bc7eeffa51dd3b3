"""Which job transitions are legal.

queued → running (stages resolving → rendering → storing) → succeeded | failed | canceled;
queued → failed | canceled. A stage may be entered again after a redelivery. Repeating the
transition a job has already made is a no-op, so every step of a renderer can be retried.
"""

from __future__ import annotations

from services.domain.job_states import CANCELED, FAILED, QUEUED, RUNNING, SUCCEEDED, TERMINAL

# `waiting`: a running job waiting its turn in a provider budget (services/renderer/shared_budget.py).
RUNNING_STAGES = frozenset({"resolving", "rendering", "storing", "waiting"})

_ALLOWED = {
    QUEUED: frozenset({RUNNING, FAILED, CANCELED}),
    RUNNING: frozenset({RUNNING, SUCCEEDED, FAILED, CANCELED}),
}


class IllegalTransition(Exception):
    pass


def check(status: str, stage: str, new_status: str, new_stage: str) -> bool:
    """True when the move changes the job, False when it repeats the current state.

    Raises IllegalTransition for a move the lifecycle does not allow.
    """
    if (status, stage) == (new_status, new_stage) or (status in TERMINAL and status == new_status):
        return False
    if new_status == RUNNING and new_stage not in RUNNING_STAGES:
        raise IllegalTransition(f"a running job's stage must be one of {sorted(RUNNING_STAGES)}")
    if new_status not in _ALLOWED.get(status, frozenset()):
        raise IllegalTransition(f"job is {status}; it cannot become {new_status}")
    return True


def stage_after(status: str, current_stage: str, requested_stage: str | None) -> str:
    """A terminal job keeps the last stage it reached, so a failure says where it happened."""
    if status == RUNNING:
        return requested_stage or current_stage
    return current_stage
