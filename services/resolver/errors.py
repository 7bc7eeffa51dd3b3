"""The resolver's errors, each with a stable code the transport layer maps to a status.

`TargetNotFound` is a miss: the target spec was well formed but picks nobody in this recording
(with `on_miss="fallback_dominant"` the resolver answers with the dominant speaker instead).
`InvalidTarget` is a spec that cannot be tried at all (unknown strategy, missing hint, a time range
that ends before it starts); no fallback applies to it.
"""

from __future__ import annotations


class ResolverError(Exception):
    code = "internal"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TargetNotFound(ResolverError):
    """No speaker matches the target spec. `message` says what was tried and how close it came."""

    code = "target_not_found"

    def __init__(self, message: str, *, strategy: str) -> None:
        super().__init__(message)
        self.strategy = strategy


class InvalidTarget(ResolverError, ValueError):
    """The target spec is malformed; `message` names the offending field."""

    code = "invalid_argument"

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field
