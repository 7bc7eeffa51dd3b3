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


class LlmEnded(RenderError):
    """The provider ended the answer in a way the same request would end again: not retried.

    `code` is one of `ENDED_CODES`: the answer hit the token limit (`llm_output_truncated`), the
    model refused (`llm_refused`), the provider's filter withheld it (`llm_content_filtered`), the
    prompt does not fit the model's context (`llm_context_exceeded`), or the account has no quota
    or spend left (`llm_quota_exhausted`).
    """

    def __init__(self, code: str, message: str) -> None:
        if code not in ENDED_CODES:
            raise ValueError(f"unknown LLM end code {code!r}")
        super().__init__(message)
        self.code = code


ENDED_CODES = (
    "llm_output_truncated",
    "llm_refused",
    "llm_content_filtered",
    "llm_context_exceeded",
    "llm_quota_exhausted",
)


class ModelUnavailable(RenderError):
    """The configured model is unknown to the provider or retired: the renderer will not start."""

    code = "llm_model_unavailable"
