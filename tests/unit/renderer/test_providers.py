from __future__ import annotations

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


@pytest.mark.parametrize(
    "headers, seconds",
    [
        ({}, None),
        ({"retry-after": "3"}, 3.0),
        ({"Retry-After": "0.5"}, 0.5),
        ({"retry-after-ms": "1500", "retry-after": "9"}, 1.5),
        ({"retry-after": "Thu, 01 Jan 1970 00:00:10 GMT"}, 4.0),
        ({"retry-after": "Thu, 01 Jan 1970 00:00:01 GMT"}, 0.0),
        ({"retry-after": "soon"}, None),
        ({"retry-after": "-4"}, 0.0),
    ],
)
def test_retry_after_seconds_reads_each_header_form_when_present(headers, seconds):
    assert retry_after_seconds(headers, now=6.0) == seconds


@pytest.mark.parametrize(
    "read, text, problem",
    [
        (lambda t: openai_provider.completion("m", t, "stop"), '{"a": 1}', None),
        (lambda t: openai_provider.completion("m", t, "stop"), "  ", "the answer was empty"),
        (lambda t: anthropic_provider.completion("m", t, "end_turn"), '{"a": "é"}', None),
        (lambda t: anthropic_provider.completion("m", t, "end_turn"), "", "held no text"),
    ],
)
def test_completion_keeps_the_text_and_names_an_unusable_one_when_answered(read, text, problem):
    completion = read(text)
    assert completion.model == "m" and completion.text == text
    assert completion.problem == problem or problem in completion.problem


@pytest.mark.parametrize(
    "text, finish, refusal, code",
    [
        ("", "stop", "I can't", "llm_refused"),
        ('{"a":', "length", None, "llm_output_truncated"),
        ("", "content_filter", None, "llm_content_filtered"),
    ],
)
def test_openai_completion_ends_with_its_code_when_a_retry_would_not_help(text, finish, refusal, code):
    with pytest.raises(EndedFailure) as caught:
        openai_provider.completion("gpt-x", text, finish, refusal, 8192)
    assert caught.value.code == code


@pytest.mark.parametrize(
    "stop_reason, code",
    [
        ("max_tokens", "llm_output_truncated"),
        ("refusal", "llm_refused"),
        ("model_context_window_exceeded", "llm_context_exceeded"),
    ],
)
def test_anthropic_completion_ends_with_its_code_when_the_stop_reason_says_so(stop_reason, code):
    with pytest.raises(EndedFailure) as caught:
        anthropic_provider.completion("claude-x", "{", stop_reason, 100)
    assert caught.value.code == code


@pytest.mark.parametrize(
    "status, body, detail",
    [
        (
            429,
            {"message": "You exceeded your current quota", "type": "insufficient_quota", "code": "insufficient_quota"},
            "You exceeded your current quota",
        ),
        (
            400,
            {
                "type": "error",
                "error": {
                    "type": "invalid_request_error",
                    "message": "Your credit balance is too low to access the Anthropic API.",
                },
            },
            "Your credit balance is too low to access the Anthropic API.",
        ),
        (
            429,
            {
                "type": "error",
                "error": {
                    "type": "rate_limit_error",
                    "message": "You have reached your specified workspace API usage limits.",
                },
            },
            "You have reached your specified workspace API usage limits.",
        ),
    ],
)
def test_failure_from_status_ends_with_quota_exhausted_when_no_quota_is_left(status, body, detail):
    failure = failure_from_status(status, {"retry-after": "1"}, detail, body)
    assert isinstance(failure, EndedFailure) and failure.code == "llm_quota_exhausted"
    assert "spend limit" in str(failure)


@pytest.mark.parametrize(
    "body, detail",
    [
        ({"type": "invalid_request_error", "code": "context_length_exceeded"}, "too long"),
        ({"type": "error", "error": {"type": "invalid_request_error"}}, "prompt is too long: 2 > 1"),
    ],
)
def test_failure_from_status_ends_with_context_exceeded_when_the_prompt_does_not_fit(body, detail):
    failure = failure_from_status(400, {}, detail, body)
    assert isinstance(failure, EndedFailure) and failure.code == "llm_context_exceeded"


@pytest.mark.parametrize(
    "status, should_retry, kind",
    [
        (500, "false", FatalFailure),
        (400, "true", TransientFailure),
        (429, "TRUE", TransientFailure),
    ],
)
def test_failure_from_status_obeys_x_should_retry_when_sent(status, should_retry, kind):
    assert isinstance(failure_from_status(status, {"X-Should-Retry": should_retry}, "x"), kind)


@pytest.mark.parametrize(
    "headers, seconds",
    [
        (
            {
                "x-ratelimit-reset-requests": "6m0s",
                "x-ratelimit-remaining-requests": "0",
                "x-ratelimit-reset-tokens": "1s",
                "x-ratelimit-remaining-tokens": "500",
            },
            360.0,
        ),
        ({"x-ratelimit-reset-requests": "20ms", "x-ratelimit-reset-tokens": "1.5s"}, 1.5),
        (
            {
                "anthropic-ratelimit-requests-reset": "1970-01-01T00:00:30Z",
                "anthropic-ratelimit-requests-remaining": "0",
                "anthropic-ratelimit-tokens-reset": "1970-01-01T00:01:40Z",
                "anthropic-ratelimit-tokens-remaining": "100",
            },
            24.0,
        ),
        ({"retry-after": "2", "x-ratelimit-reset-requests": "6m0s"}, 2.0),
        ({"x-ratelimit-reset-requests": "soon"}, None),
    ],
)
def test_wait_seconds_uses_the_rate_limit_reset_when_retry_after_is_missing(headers, seconds):
    assert wait_seconds(headers, now=6.0) == seconds


@pytest.mark.parametrize(
    "text, seconds",
    [
        ("1s", 1.0),
        ("6m0s", 360.0),
        ("1h2m3.5s", 3723.5),
        ("20ms", 0.02),
        ("", None),
        ("5", None),
    ],
)
def test_parse_duration_reads_openai_reset_durations(text, seconds):
    assert parse_duration(text) == seconds
