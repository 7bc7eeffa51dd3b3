"""HTTP routes: translate OpenAI / Anthropic requests for the engine and its answers back."""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import Message

from . import anthropic_api, limits, openai_api, rules, streaming
from .engine import Answer, Engine, Failure, model_name
from .knobs import HEADER, Knobs, parse_knobs
from .prompt import BadRequest, NotFound, Prompt
from .request_limit import RequestLimit
from .settings import Settings

_CLIENT_CLOSED = 499
_FAILURE_MESSAGES = {
    "429": "Rate limit reached for the dev LLM (knob fail=429). Retry after the Retry-After delay.",
    "429_bare": "Rate limit reached for requests (knob fail=429_bare).",
    "500": "The dev LLM had an error while processing your request (knob fail=500).",
    "529": "The dev LLM is overloaded (knob fail=529).",
}
# Quota and context errors in each API's words (OpenAI docs: guides/error-codes; Anthropic docs:
# api/errors and build-with-claude/context-windows).
_QUOTA = {
    "openai": (
        429,
        "You exceeded your current quota, please check your plan and billing details.",
        "insufficient_quota",
    ),
    "anthropic": (
        400,
        "Your credit balance is too low to access the Anthropic API. Please go to "
        "Plans & Billing to upgrade or purchase credits.",
        None,
    ),
}
_OPENAI_CONTEXT = (
    "This model's maximum context length is 1050000 tokens. However, your "
    "messages resulted in more tokens. Please reduce the length of the messages."
)

# On every answer: the milliseconds it was held back (the latency knob, or DEVLLM_LATENCY_MS).
LATENCY_HEADER = "x-dev-llm-latency-ms"


@dataclass(frozen=True)
class _Api:
    """One provider's shapes, so both endpoints share one request flow."""

    name: str
    provider: str
    parse: Callable[[Any], Prompt]
    reply: Callable[[Answer, Prompt, str, str], dict[str, Any]]
    error: Callable[..., dict[str, Any]]
    request_id_header: str


_OPENAI = _Api(
    name="openai.chat_completions",
    provider="openai",
    parse=openai_api.parse_request,
    reply=lambda answer, prompt, rid, model: openai_api.completion(
        answer, response_id=rid, model=model, created=int(time.time())
    ),
    error=openai_api.error,
    request_id_header="x-request-id",
)
_ANTHROPIC = _Api(
    name="anthropic.messages",
    provider="anthropic",
    parse=anthropic_api.parse_request,
    reply=lambda answer, prompt, rid, model: anthropic_api.message(
        answer, response_id=rid, model=model, tool_name=prompt.tool_name, thinking=prompt.thinking
    ),
    error=anthropic_api.error,
    request_id_header="request-id",
)


def create_app(settings: Settings) -> Starlette:
    app = Starlette(
        routes=[
            Route("/healthz", _healthz, methods=["GET"]),
            Route("/stats", _stats, methods=["GET"]),
            Route("/v1/models", _models, methods=["GET"]),
            Route("/v1/models/{model:path}", _model, methods=["GET"]),
            Route("/v1/chat/completions", _chat_completions, methods=["POST"]),
            Route("/v1/messages", _messages, methods=["POST"]),
        ]
    )
    app.state.settings = settings
    app.state.engine = Engine(default_latency_ms=settings.latency_ms)
    app.state.request_limit = RequestLimit(settings.rpm) if settings.rpm else None
    return app


async def _healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def _stats(request: Request) -> Response:
    return JSONResponse(request.app.state.engine.stats.snapshot())


def _api_of(request: Request) -> _Api:
    """Both SDKs share /v1/models; the Anthropic one always sends `anthropic-version`."""
    return _ANTHROPIC if "anthropic-version" in request.headers else _OPENAI


async def _models(request: Request) -> Response:
    request.app.state.engine.stats.record("models", "ok")
    if _api_of(request) is _ANTHROPIC:
        return JSONResponse(anthropic_api.model_list())
    return JSONResponse(openai_api.model_list())


async def _model(request: Request) -> Response:
    """GET /v1/models/{id}: the model, or the real API's 404 for an unknown or retired id."""
    api = _api_of(request)
    model = request.path_params["model"]
    try:
        rules.model_exists(api.provider, model)
    except NotFound as exc:
        request.app.state.engine.stats.record("models", "not_found")
        return JSONResponse(api.error(404, str(exc), code=exc.code, param=exc.param), status_code=404)
    request.app.state.engine.stats.record("models", "ok")
    info = anthropic_api.model_info if api is _ANTHROPIC else openai_api.model_info
    return JSONResponse(info(model))


async def _chat_completions(request: Request) -> Response:
    return await _complete(request, _OPENAI)


async def _messages(request: Request) -> Response:
    return await _complete(request, _ANTHROPIC)


async def _complete(request: Request, api: _Api) -> Response:
    engine: Engine = request.app.state.engine
    settings: Settings = request.app.state.settings
    try:
        body = await request.body()
        try:
            payload = json.loads(body)
        except ValueError:
            raise ValueError("the request body is not valid JSON") from None
        prompt = api.parse(payload)
        knobs = parse_knobs(prompt.model, request.headers.get(HEADER))
    except BadRequest as exc:  # the rules' 400s and 404s
        engine.stats.record(api.name, "not_found" if exc.status == 404 else "bad_request")
        return JSONResponse(
            api.error(exc.status, str(exc), code=exc.code, param=exc.param),
            status_code=exc.status,
            headers=limits.headers(api.provider, None),
        )
    except ValueError as exc:  # KnobError and the JSON error above
        engine.stats.record(api.name, "bad_request")
        return JSONResponse(api.error(400, str(exc)), status_code=400)

    limit: RequestLimit | None = request.app.state.request_limit
    decision = limit.take(model_name(prompt.model)) if limit is not None else None
    rate = (decision.limit, decision.remaining, decision.reset_s) if decision is not None else None
    if decision is not None and not decision.allowed:
        engine.stats.record(api.name, "rate_limited")
        wait_ms = max(1, math.ceil(decision.reset_s * 1000))
        body_json = api.error(
            429,
            f"Rate limit reached for {model_name(prompt.model)} on requests per min (RPM): "
            f"Limit {decision.limit} (DEVLLM_RPM). Please try again in {wait_ms}ms.",
        )
        return JSONResponse(
            body_json,
            status_code=429,
            headers={
                **limits.headers(api.provider, None, requests=rate),
                "retry-after": str(math.ceil(decision.reset_s)),
                "retry-after-ms": str(wait_ms),
            },
        )
    plan = engine.plan(prompt, knobs)
    left = await _client_left_within(plan.delay_s, request.receive)
    if not left and plan.hang:
        left = await _client_left_within(settings.hang_s, request.receive)
    if left:
        engine.stats.record(api.name, "disconnected")
        return Response(status_code=_CLIENT_CLOSED)

    outcome = engine.answer(prompt, plan)
    engine.stats.record(api.name, outcome.outcome)
    response_id = engine.new_id(prompt)
    spent_ms = plan.retry_after_ms if outcome.outcome == "429_bare" else None
    headers = {
        api.request_id_header: f"req_dev{response_id}",
        LATENCY_HEADER: str(round(plan.delay_s * 1000)),
        **limits.headers(api.provider, spent_ms, requests=rate),
    }
    if knobs.should_retry is not None:
        headers["x-should-retry"] = "true" if knobs.should_retry else "false"
    if isinstance(outcome, Failure):
        if outcome.retry_after_ms is not None:
            headers["retry-after"] = str(max(1, math.ceil(outcome.retry_after_ms / 1000)))
            headers["retry-after-ms"] = str(outcome.retry_after_ms)
        if outcome.outcome == "quota":
            status, text, code = _QUOTA[api.provider]
            body_json = api.error(status, text, code=code, kind=code)
            return JSONResponse(body_json, status_code=status, headers=headers)
        body_json = api.error(outcome.status, _FAILURE_MESSAGES[outcome.outcome])
        return JSONResponse(body_json, status_code=outcome.status, headers=headers)
    if outcome.kind == "context_exceeded" and api is _OPENAI:
        body_json = api.error(400, _OPENAI_CONTEXT, code="context_length_exceeded", param="messages")
        return JSONResponse(body_json, status_code=400, headers=headers)
    reply = api.reply(outcome, prompt, response_id, model_name(prompt.model))
    engine.stats.served(model_name(prompt.model), outcome.prompt_tokens, outcome.completion_tokens)
    if payload.get("stream") is True:
        return _stream(api, reply, payload, knobs, settings, headers)
    return JSONResponse(reply, headers=headers)


def _stream(
    api: _Api, reply: dict[str, Any], payload: dict[str, Any], knobs: Knobs, settings: Settings, headers: dict[str, str]
) -> Response:
    if api is _OPENAI:
        options = payload.get("stream_options") or {}
        events = streaming.openai_events(reply, bool(options.get("include_usage")))
    else:
        events = streaming.anthropic_events(reply)
    speed = knobs.speed if knobs.speed is not None else settings.tokens_per_s
    body = streaming.paced(events, speed, (knobs.stall_ms or 0) / 1000)
    return StreamingResponse(body, media_type="text/event-stream", headers={**headers, "cache-control": "no-cache"})


async def _client_left_within(seconds: float, receive: Callable[[], Awaitable[Message]]) -> bool:
    """Wait `seconds`, or less if the client disconnects; True when it did."""
    if seconds <= 0:
        return False
    watcher = asyncio.ensure_future(_disconnected(receive))
    try:
        done, _ = await asyncio.wait({watcher}, timeout=seconds)
        return watcher in done
    finally:
        watcher.cancel()


async def _disconnected(receive: Callable[[], Awaitable[Message]]) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
