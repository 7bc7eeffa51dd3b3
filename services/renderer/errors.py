"""The renderer's errors, each with the stable code a failed job carries."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from services.renderer.validate import Problem


class RenderError(Exception):
    code = "internal"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidRenderRequest(RenderError):
    """The request cannot be rendered as given: an unknown template, bad template params."""

    code = "invalid_argument"

    def __init__(self, message: str, problems: Sequence[tuple[str, str]] = ()) -> None:
        super().__init__(message)
        self.problems = list(problems)


class LlmUnavailable(RenderError):
    """The LLM could not be reached or kept failing (the last failure was transient or fatal)."""

    code = "llm_unavailable"


class LlmInvalidOutput(RenderError):
    """The LLM kept answering, but never with a valid report (the last failure was its output)."""

    code = "llm_invalid_output"

    def __init__(self, message: str, problems: Sequence[Problem] = ()) -> None:
        super().__init__(message)
        self.problems = list(problems)
