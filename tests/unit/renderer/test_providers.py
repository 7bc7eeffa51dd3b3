from __future__ import annotations

from types import SimpleNamespace as NS

import pytest

from services.renderer.providers import anthropic_provider, openai_provider
from services.renderer.providers.base import (
    EndedFailure,
    FatalFailure,
    TransientFailure,
    failure_from_status,
    parse_duration,
    retry_after_seconds,
    wait_seconds,
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
    (_openai("  "), "the answer was empty"),
    (NS(model="gpt-x", choices=[]), "no choices"),
])
def test_openai_completion_recognises_each_outcome_when_answered(response, problem):
    completion = openai_provider.completion(response)
    assert completion.model == "gpt-x"
    if problem is None:
        assert completion.problem is None and completion.text == '{"a": 1}'
    else:
        assert problem in completion.problem


@pytest.mark.parametrize("response, code", [
    (_openai(None, refusal="I can't"), "llm_refused"),
    (_openai('{"a":', finish_reason="length"), "llm_output_truncated"),
    (_openai(None, finish_reason="content_filter"), "llm_content_filtered"),
])
def test_openai_completion_ends_with_its_code_when_a_retry_would_not_help(response, code):
    with pytest.raises(EndedFailure) as caught:
        openai_provider.completion(response, 8192)
    assert caught.value.code == code


def _anthropic(blocks, stop_reason="end_turn", model="claude-x"):
    return NS(model=model, content=blocks, stop_reason=stop_reason)


THINKING = NS(type="thinking", thinking="Let me see.", signature="s")


@pytest.mark.parametrize("response, text, problem", [
    (_anthropic([THINKING, NS(type="text", text='{"a": "é"}')]), '{"a": "é"}', None),
    (_anthropic([NS(type="text", text='{"a": '), NS(type="text", text="1}")]), '{"a": 1}', None),
    (_anthropic([THINKING]), "", "held no text"),
])
def test_anthropic_completion_reads_the_text_blocks_when_answered(response, text, problem):
    completion = anthropic_provider.completion(response)
    assert completion.model == "claude-x"
    assert completion.text == text
    if problem is None:
        assert completion.problem is None
    else:
        assert problem in completion.problem


@pytest.mark.parametrize("stop_reason, code", [
    ("max_tokens", "llm_output_truncated"),
    ("refusal", "llm_refused"),
    ("model_context_window_exceeded", "llm_context_exceeded"),
])
def test_anthropic_completion_ends_with_its_code_when_the_stop_reason_says_so(stop_reason, code):
    with pytest.raises(EndedFailure) as caught:
        anthropic_provider.completion(_anthropic([NS(type="text", text="{")], stop_reason), 100)
    assert caught.value.code == code


@pytest.mark.parametrize("status, body, detail", [
    (429, {"message": "You exceeded your current quota", "type": "insufficient_quota",
           "code": "insufficient_quota"}, "You exceeded your current quota"),
    (400, {"type": "error", "error": {"type": "invalid_request_error", "message":
           "Your credit balance is too low to access the Anthropic API."}},
     "Your credit balance is too low to access the Anthropic API."),
    (429, {"type": "error", "error": {"type": "rate_limit_error", "message":
           "You have reached your specified workspace API usage limits."}},
     "You have reached your specified workspace API usage limits."),
])
def test_failure_from_status_ends_with_quota_exhausted_when_no_quota_is_left(status, body, detail):
    failure = failure_from_status(status, {"retry-after": "1"}, detail, body)
    assert isinstance(failure, EndedFailure) and failure.code == "llm_quota_exhausted"
    assert "spend limit" in str(failure)


@pytest.mark.parametrize("body, detail", [
    ({"type": "invalid_request_error", "code": "context_length_exceeded"}, "too long"),
    ({"type": "error", "error": {"type": "invalid_request_error"}}, "prompt is too long: 2 > 1"),
])
def test_failure_from_status_ends_with_context_exceeded_when_the_prompt_does_not_fit(body, detail):
    failure = failure_from_status(400, {}, detail, body)
    assert isinstance(failure, EndedFailure) and failure.code == "llm_context_exceeded"


@pytest.mark.parametrize("status, should_retry, kind", [
    (500, "false", FatalFailure), (400, "true", TransientFailure), (429, "TRUE", TransientFailure),
])
def test_failure_from_status_obeys_x_should_retry_when_sent(status, should_retry, kind):
    assert isinstance(failure_from_status(status, {"X-Should-Retry": should_retry}, "x"), kind)


@pytest.mark.parametrize("headers, seconds", [
    ({"x-ratelimit-reset-requests": "6m0s", "x-ratelimit-remaining-requests": "0",
      "x-ratelimit-reset-tokens": "1s", "x-ratelimit-remaining-tokens": "500"}, 360.0),
    ({"x-ratelimit-reset-requests": "20ms", "x-ratelimit-reset-tokens": "1.5s"}, 1.5),
    ({"anthropic-ratelimit-requests-reset": "1970-01-01T00:00:30Z",
      "anthropic-ratelimit-requests-remaining": "0",
      "anthropic-ratelimit-tokens-reset": "1970-01-01T00:01:40Z",
      "anthropic-ratelimit-tokens-remaining": "100"}, 24.0),
    ({"retry-after": "2", "x-ratelimit-reset-requests": "6m0s"}, 2.0),
    ({"x-ratelimit-reset-requests": "soon"}, None),
])
def test_wait_seconds_uses_the_rate_limit_reset_when_retry_after_is_missing(headers, seconds):
    assert wait_seconds(headers, now=6.0) == seconds


@pytest.mark.parametrize("text, seconds", [
    ("1s", 1.0), ("6m0s", 360.0), ("1h2m3.5s", 3723.5), ("20ms", 0.02), ("", None), ("5", None),
])
def test_parse_duration_reads_openai_reset_durations(text, seconds):
    assert parse_duration(text) == seconds
