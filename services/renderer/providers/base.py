"""What every provider adapter returns or raises, whatever its SDK.

An adapter makes exactly one HTTP call per `complete` (its SDK's own retries are off) and turns
the SDK's answer into a `Completion`, or its error into `TransientFailure` (worth retrying after a
backoff), `FatalFailure` (a request the API will never accept) or `EndedFailure` (the provider
said why the answer cannot come: the token limit, a refusal, the content filter, the context
window, no quota; each has its job error code). The retry loop in `llm` knows nothing of either
SDK.
"""

from __future__ import annotations

import email.utils
import re
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from types import ModuleType
from typing import Any, Protocol

import httpx2

from services.renderer.prompt import Conversation
from services.renderer.providers import batched_body

SCHEMA_NAME = "report"
_DETAIL_CHARS = 300


@dataclass(frozen=True)
class TokenUsage:
    """The tokens one answer used, as the provider counted them (OpenAI's `usage` chunk,
    Anthropic's `message_start` / `message_delta` usage); cached input counts as input."""

    input_tokens: int = 0
    output_tokens: int = 0


@dataclass(frozen=True)
class Completion:
    """One answer. `text` is the JSON the model wrote (or whatever it wrote instead);
    `problem` says why the answer is unusable before parsing it: a refusal, a truncation,
    no tool call. `usage` is None when the server sent no token counts."""

    model: str
    text: str
    problem: str | None = None
    usage: TokenUsage | None = None


class TransientFailure(Exception):
    """Worth another try after a wait. `stalled`: the answer stopped arriving (no chunk within
    the idle timeout, or a stream cut before its end), which the loop retries only once."""

    def __init__(
        self, message: str, retry_after_s: float | None = None, stalled: bool = False, status: int | None = None
    ) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s
        self.stalled = stalled
        self.status = status  # the HTTP status, when an answer came

    @property
    def outage(self) -> bool:
        """The provider is failing (5xx, 529 overloaded, no answer, a cut stream, no connection), as
        opposed to asking us to slow down (429, 408, 409): an outage counts toward its circuit."""
        return self.status is None or self.status >= 500


class FatalFailure(Exception):
    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class EndedFailure(Exception):
    """The answer cannot come from this request, whoever asks again; `code` is the job's.
    `usage`: what the ended answer used, when it came with token counts (a truncated answer
    is billed)."""

    def __init__(self, code: str, message: str, usage: TokenUsage | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.usage = usage


class ModelMissing(Exception):
    """The provider's models endpoint does not know the model (unknown or retired)."""


Progress = Callable[[int], None]  # output tokens so far, called as chunks arrive


class Provider(Protocol):
    name: str

    async def complete(
        self, conversation: Conversation, schema: dict[str, Any], model: str, on_progress: Progress | None = None
    ) -> Completion: ...

    async def check_model(self, model: str) -> None:
        """Raises `ModelMissing` when the models endpoint answers 404 for `model`."""

    async def aclose(self) -> None: ...


def client_options(
    api_key: str, base_url: str | None, timeout_s: float, headers: Mapping[str, str] | None, http_client: Any = None
) -> dict[str, Any]:
    """What both SDK clients are built with: retries are the renderer's own (max_retries 0), the
    read timeout is the idle time allowed between streamed chunks, connecting at most 10 s; a
    streamed answer is read a network read at a time (`batched_body`)."""
    batched_body.install()
    return {
        "api_key": api_key,
        "base_url": base_url,
        "max_retries": 0,
        "timeout": httpx2.Timeout(timeout_s, connect=min(timeout_s, 10.0)),
        "default_headers": headers or None,
        "http_client": http_client,
    }


OnResponse = Callable[[int, Mapping[str, str]], Awaitable[None]]  # status, headers of every answer


def watched_client(default_client: Callable[..., Any], on_response: OnResponse | None) -> Any:
    """The SDK's own default HTTP client (its timeouts, pool and redirects) that shows each answer's
    status and headers to `on_response` as they arrive (the provider budget learns from them), or None
    (the SDK builds its default) when nobody listens."""
    if on_response is None:
        return None

    async def seen(response: httpx2.Response) -> None:
        await on_response(response.status_code, response.headers)

    return default_client(event_hooks={"response": [seen]})


def tokens_of(chars: int) -> int:
    """About four characters a token: the progress shown while an answer streams."""
    return (chars + 3) // 4


def failure_from_status(
    status: int, headers: Mapping[str, str] | None, detail: str, body: object = None, now: float | None = None
) -> TransientFailure | FatalFailure | EndedFailure:
    """What an error answer means for the retry loop.

    - quota or spend exhausted (OpenAI 429 `insufficient_quota`, docs: guides/error-codes;
      Anthropic "credit balance is too low" / spend or usage limit, docs: api/errors): ended,
      `llm_quota_exhausted`, never retried;
    - the prompt does not fit (OpenAI 400 `context_length_exceeded`, Anthropic 400 "prompt is too
      long"): ended, `llm_context_exceeded`;
    - `x-should-retry: true|false` (sent by both APIs; both SDKs obey it first) decides next;
    - else 408, 409, 429 and 5xx (529 overloaded included) are transient, other statuses fatal.
    A transient failure carries the wait the answer asks for (`wait_seconds`).
    """
    message = f"HTTP {status}: {_short(detail)}"
    lowered = {k.lower(): v for k, v in (headers or {}).items()}
    kind, code = _error_kind(body)
    text = f"{detail} {code} {kind}".lower()
    if "insufficient_quota" in (kind, code) or any(s in text for s in _QUOTA_WORDS):
        return EndedFailure(
            "llm_quota_exhausted",
            f"the provider account has no quota or spend left ({message}); add "
            "credit or raise the spend limit in the provider's console, then "
            "submit the job again",
        )
    if code == "context_length_exceeded" or "prompt is too long" in text:
        return EndedFailure("llm_context_exceeded", f"the prompt does not fit the model's context window ({message})")
    should_retry = lowered.get("x-should-retry", "").strip().lower()
    if should_retry == "false":
        return FatalFailure(message, status)
    if should_retry == "true" or status in (408, 409, 429) or status >= 500:
        return TransientFailure(message, wait_seconds(lowered, now), status=status)
    return FatalFailure(message, status)


class SdkProvider:
    """What both SDK adapters do alike, on their SDK's client (`openai` and `anthropic` name their
    clients' calls and errors the same)."""

    name: str
    sdk: ModuleType
    client_class: Callable[..., Any]

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str | None,
        timeout_s: float,
        max_tokens: int,
        headers: Mapping[str, str] | None = None,
        on_response: OnResponse | None = None,
    ) -> None:
        self._idle_s = timeout_s
        self._max_tokens = max_tokens
        http_client = watched_client(self.sdk.DefaultAsyncHttpxClient, on_response)
        self._client = self.client_class(**client_options(api_key, base_url, timeout_s, headers, http_client))

    async def check_model(self, model: str) -> None:
        try:
            await self._client.models.retrieve(model)
        except self.sdk.NotFoundError as e:
            raise ModelMissing(f"{self.name} has no model {model!r} (HTTP 404: {e.message})") from e

    async def aclose(self) -> None:
        await self._client.close()


@contextmanager
def sdk_failures(sdk: ModuleType, idle_s: float) -> Iterator[None]:
    """The errors of one streamed call, from either SDK (`openai` and `anthropic` raise the same
    error classes under the same names), as the failures the retry loop reads."""
    try:
        yield
    except sdk.APIStatusError as e:
        raise failure_from_status(e.status_code, e.response.headers, e.message, e.body) from e
    except sdk.APITimeoutError as e:
        raise TransientFailure(f"no answer within {idle_s:g}s", stalled=True) from e
    except sdk.APIConnectionError as e:
        raise TransientFailure(f"connection failed: {e}") from e
    except sdk.APIError as e:  # an answer the SDK could not read
        raise TransientFailure(f"unreadable response: {e}") from e
    except httpx2.HTTPError as e:  # the stream broke while being read
        raise TransientFailure(f"the stream broke: {e!r}", stalled=True) from e


_QUOTA_WORDS = ("credit balance is too low", "spend limit", "usage limit", "exceeded your current quota")


def _error_kind(body: object) -> tuple[str, str]:
    """(error type, error code) from either API's error body, or empty strings."""
    if not isinstance(body, dict):
        return "", ""
    error = body.get("error", body)
    if not isinstance(error, dict):
        return "", ""
    return str(error.get("type") or ""), str(error.get("code") or "")


def wait_seconds(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """The wait an answer asks for: `retry-after-ms` / `retry-after` when given, else the latest
    rate-limit reset among the exhausted limits (all of them if none says it is exhausted)."""
    asked = retry_after_seconds(headers, now)
    return asked if asked is not None else reset_seconds(headers, now)


def reset_seconds(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """When the rate limits reset, from OpenAI's `x-ratelimit-reset-{requests,tokens}`
    (durations like `6m0s`, `1.5s`, `20ms`; docs: guides/rate-limits) or Anthropic's
    `anthropic-ratelimit-*-reset` (RFC 3339 times; docs: api/rate-limits)."""
    lowered = {k.lower(): v for k, v in headers.items()}
    clock = time.time() if now is None else now
    resets: dict[str, float] = {}
    for name, value in lowered.items():
        if name.startswith("x-ratelimit-reset-"):
            seconds = parse_duration(value)
            limit = name.removeprefix("x-ratelimit-reset-")
            remaining_name = f"x-ratelimit-remaining-{limit}"
        elif name.startswith("anthropic-ratelimit-") and name.endswith("-reset"):
            seconds = _until(value, clock)
            remaining_name = name.removesuffix("-reset") + "-remaining"
        else:
            continue
        if seconds is not None:
            resets[remaining_name] = seconds
    if not resets:
        return None
    exhausted = [s for r, s in resets.items() if lowered.get(r, "").strip() == "0"]
    return max(exhausted or resets.values())


_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")


def parse_duration(text: str) -> float | None:
    """Seconds in an OpenAI reset duration (`1h2m3.5s`, `20ms`), or None."""
    text = text.strip()
    parts = _DURATION.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        return None
    scale = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
    return sum(float(n) * scale[u] for n, u in parts)


def _until(stamp: str, now: float) -> float | None:
    try:
        when = datetime.fromisoformat(stamp.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - now)


def retry_after_seconds(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """The wait a response asks for: `retry-after-ms`, else `retry-after` (seconds or a date)."""
    lowered = {k.lower(): v for k, v in headers.items()}
    try:
        if "retry-after-ms" in lowered:
            return max(0.0, float(lowered["retry-after-ms"]) / 1000)
        raw = lowered.get("retry-after")
        if raw is None:
            return None
        try:
            return max(0.0, float(raw))
        except ValueError:
            when = email.utils.parsedate_to_datetime(raw).timestamp()
            return max(0.0, when - (time.time() if now is None else now))
    except (TypeError, ValueError):
        return None


def _short(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= _DETAIL_CHARS else text[: _DETAIL_CHARS - 3] + "..."
