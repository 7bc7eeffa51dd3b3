"""Evidence + prompt version + template → a contract-valid report document and its Markdown.

The one code path behind both the job worker and the `RenderReport` RPC. An answer is accepted
only when it passes the output schema, the template rules, the quote check (every quote is the
target's own words) and, once converted, the contract's report schema; anything less is fed back
to the model as a repair turn.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from services.domain.prompt_seeds import VariableLike, check_params
from services.domain.templates import TEMPLATES
from services.renderer.document import PromptRef, RenderMeta, to_document
from services.renderer.errors import InvalidRenderRequest, RenderError
from services.renderer.evidence import QuoteLocator, SectionSupport, unsupported_problems
from services.renderer.llm import BeforeCall, Llm, LlmSettings, OnUsage, OnWait, render
from services.renderer.llm_schema import output_schema
from services.renderer.markdown import to_markdown
from services.renderer.prompt import (
    EvidenceInput,
    build_conversation,
    render_instructions,
)
from services.renderer.providers.base import Progress
from services.renderer.shared_budget import OnBudgetWait
from services.renderer.validate import Problem, check_document, check_output


class PromptVersionLike(Protocol):
    """A prompt version: a `PromptSeed`, the store's `PromptVersion` message, or alike (read only:
    the message's repeated fields are sequences of their own types)."""

    name: str
    version: int
    system: str
    instructions: str

    @property
    def labels(self) -> Sequence[str]: ...

    @property
    def variables(self) -> Sequence[VariableLike]: ...


@dataclass(frozen=True)
class WrittenReport:
    document: dict[str, Any]
    markdown: str
    quotes: dict[str, list[str]]  # what the model offered, before checking
    evidence: list[SectionSupport]  # what survived the check, per section, with times
    attempts: int
    model: str


async def write_report(
    llm: Llm | LlmSettings,
    prompt: PromptVersionLike,
    template: str,
    evidence: EvidenceInput,
    params: Mapping[str, Any] | None,
    before_call: BeforeCall | None = None,
    coverage_note: str | None = None,
    on_progress: Progress | None = None,
    on_wait: OnWait | None = None,
    on_usage: OnUsage | None = None,
    on_budget_wait: OnBudgetWait | None = None,
) -> WrittenReport:
    """Raises `InvalidRenderRequest` (bad template, prompt or params; no LLM call made),
    `LlmUnavailable`, `LlmInvalidOutput`, or whatever `before_call` raises.

    Quotes that are not the target's words are dropped; a section left without one is worth
    another attempt, and is marked unsupported when the budget runs out. `coverage_note`, when
    the target said too little, opens the summary."""
    params = dict(params or {})
    _check_request(prompt, template, params)
    settings = llm.settings if isinstance(llm, Llm) else llm
    prompt_ref = PromptRef(prompt.name, int(prompt.version), list(prompt.labels))
    data = evidence.data(params)
    locator = QuoteLocator([s for s in data["segments"] if s["isTarget"]])
    keys = [spec.key for spec in TEMPLATES[template]]
    conversation = build_conversation(
        system=prompt.system,
        instructions=render_instructions(prompt.instructions, prompt.variables, params),
        template=template,
        data=data,
    )

    def validate(output: dict[str, Any]) -> list[Problem]:
        problems = check_output(template, output)
        if problems:
            return problems
        draft, _ = to_document(template, output, prompt_ref, RenderMeta(1, settings.model, settings.provider))
        return check_document(template, draft) + unsupported_problems(locator.support(output, keys))

    result = await render(
        llm,
        conversation,
        output_schema(template),
        validate,
        before_call=before_call,
        on_progress=on_progress,
        on_wait=on_wait,
        on_usage=on_usage,
        on_budget_wait=on_budget_wait,
    )
    document, quotes = to_document(
        template, result.output, prompt_ref, RenderMeta(result.attempts, result.model, result.provider)
    )
    if coverage_note:
        document["summary"] = f"{coverage_note} {document['summary']}"
    problems = check_document(template, document)
    if problems:  # only the meta changed since `validate` passed: a bug, not the model's fault
        raise RenderError(f"report document breaks the contract: {problems[:3]}")
    support = locator.support(result.output, keys)
    return WrittenReport(document, to_markdown(document, support), quotes, support, result.attempts, result.model)


def _check_request(prompt: PromptVersionLike, template: str, params: Mapping[str, Any]) -> None:
    if template not in TEMPLATES:
        raise InvalidRenderRequest(f"unknown template {template!r}; use one of {', '.join(TEMPLATES)}")
    if prompt.name != template:
        raise InvalidRenderRequest(f"prompt {prompt.name!r} is not for template {template!r}")
    if int(prompt.version) < 1:
        raise InvalidRenderRequest(f"prompt version must be 1 or more, got {prompt.version}")
    problems = check_params(prompt.variables, params)
    if problems:
        raise InvalidRenderRequest("invalid templateParams: " + "; ".join(f"{n}: {m}" for n, m in problems), problems)
