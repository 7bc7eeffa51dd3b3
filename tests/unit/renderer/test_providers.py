from __future__ import annotations

from types import SimpleNamespace as NS

import pytest

from services.renderer.providers import anthropic_provider, openai_provider
from services.renderer.providers.base import (
    FatalFailure,
    TransientFailure,
    failure_from_status,
    retry_after_seconds,
)


@pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 503, 529])
def test_failure_from_status_is_transient_when_worth_retrying(status):
    failure = failure_from_status(status, {"Retry-After": "2"}, "busy")
    assert isinstance(failure, TransientFailure)
    assert failure.retry_after_s == 2.0
    assert str(failure) == f"HTTP {status}: busy"


@pytest.mark.parametrize("status", [400, 401, 403, 404, 413, 422])
def test_failure_from_status_is_fatal_when_the_request_is_wrong(status):
    failure = failure_from_status(status, {}, "x" * 1000)
    assert isinstance(failure, FatalFailure)
    assert failure.status == status
    assert str(failure).startswith(f"HTTP {status}: xxx") and len(str(failure)) < 320


@pytest.mark.parametrize("headers, seconds", [
    ({}, None),
    ({"retry-after": "3"}, 3.0),
    ({"Retry-After": "0.5"}, 0.5),
    ({"retry-after-ms": "1500", "retry-after": "9"}, 1.5),
    ({"retry-after": "Thu, 01 Jan 1970 00:00:10 GMT"}, 4.0),
    ({"retry-after": "Thu, 01 Jan 1970 00:00:01 GMT"}, 0.0),
    ({"retry-after": "soon"}, None),
    ({"retry-after": "-4"}, 0.0),
])
def test_retry_after_seconds_reads_each_header_form_when_present(headers, seconds):
    assert retry_after_seconds(headers, now=6.0) == seconds


def _openai(content=None, refusal=None, finish_reason="stop", model="gpt-x"):
    message = NS(content=content, refusal=refusal)
    return NS(model=model, choices=[NS(message=message, finish_reason=finish_reason)])


@pytest.mark.parametrize("response, problem", [
    (_openai('{"a": 1}'), None),
    (_openai(None, refusal="I can't"), "the model refused to answer: I can't"),
    (_openai('{"a":', finish_reason="length"), "cut off at the token limit"),
    (_openai(None, finish_reason="content_filter"), "content filter"),
    (_openai("  "), "the answer was empty"),
    (NS(model="gpt-x", choices=[]), "no choices"),
])
def test_openai_completion_recognises_each_outcome_when_answered(response, problem):
    completion = openai_provider._completion(response)
    assert completion.model == "gpt-x"
    if problem is None:
        assert completion.problem is None and completion.text == '{"a": 1}'
    else:
        assert problem in completion.problem


def _anthropic(blocks, stop_reason="tool_use", model="claude-x"):
    return NS(model=model, content=blocks, stop_reason=stop_reason)


TOOL = NS(type="tool_use", name="write_report", input={"a": "é"})


@pytest.mark.parametrize("response, text, problem", [
    (_anthropic([NS(type="text", text="Sure."), TOOL]), '{"a": "é"}', None),
    (_anthropic([NS(type="tool_use", name="write_report", input='{"a": 1}')]), '{"a": 1}', None),
    (_anthropic([NS(type="text", text="No.")], "refusal"), "No.", "stop_reason refusal"),
    (_anthropic([TOOL], "max_tokens"), '{"a": "é"}', "stop_reason max_tokens"),
    (_anthropic([NS(type="text", text="{}")], "end_turn"), "{}", "did not call the write_report"),
])
def test_anthropic_completion_recognises_each_outcome_when_answered(response, text, problem):
    completion = anthropic_provider._completion(response)
    assert completion.model == "claude-x"
    assert completion.text == text
    if problem is None:
        assert completion.problem is None
    else:
        assert problem in completion.problem
