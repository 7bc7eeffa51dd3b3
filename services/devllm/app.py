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
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Message

from . import anthropic_api, openai_api
from .engine import DEFAULT_MODEL, Answer, Engine, Failure, model_name
from .knobs import HEADER, parse_knobs
from .prompt import Prompt
from .settings import Settings

_CLIENT_CLOSED = 499
_FAILURE_MESSAGES = {
    429: "Rate limit reached for the dev LLM (knob fail=429). Retry after the Retry-After delay.",
    500: "The dev LLM had an error while processing your request (knob fail=500).",
    529: "The dev LLM is overloaded (knob fail=529).",
}


@dataclass(frozen=True)
class _Api:
    """One provider's shapes, so both endpoints share one request flow."""

    name: str
    parse: Callable[[Any], Prompt]
    reply: Callable[[Answer, Prompt, str, str], dict[str, Any]]
    error: Callable[[int, str], dict[str, Any]]
    request_id_header: str


_OPENAI = _Api(
    name="openai.chat_completions",
    parse=openai_api.parse_request,
    reply=lambda answer, prompt, rid, model: openai_api.completion(
        answer, response_id=rid, model=model, created=int(time.time())),
    error=openai_api.error,
    request_id_header="x-request-id",
)
_ANTHROPIC = _Api(
    name="anthropic.messages",
    parse=anthropic_api.parse_request,
    reply=lambda answer, prompt, rid, model: anthropic_api.message(
        answer, response_id=rid, model=model, tool_name=prompt.tool_name),
    error=anthropic_api.error,
    request_id_header="request-id",
)


def create_app(settings: Settings) -> Starlette:
    app = Starlette(routes=[
        Route("/healthz", _healthz, methods=["GET"]),
        Route("/stats", _stats, methods=["GET"]),
        Route("/v1/models", _models, methods=["GET"]),
        Route("/v1/chat/completions", _chat_completions, methods=["POST"]),
        Route("/v1/messages", _messages, methods=["POST"]),
    ])
    app.state.settings = settings
    app.state.engine = Engine(default_latency_ms=settings.latency_ms)
    return app


async def _healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def _stats(request: Request) -> Response:
    return JSONResponse(request.app.state.engine.stats.snapshot())


async def _models(request: Request) -> Response:
    request.app.state.engine.stats.record("models", "ok")
    if "anthropic-version" in request.headers:
        return JSONResponse(anthropic_api.models(DEFAULT_MODEL))
    return JSONResponse(openai_api.models(DEFAULT_MODEL))


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
    except ValueError as exc:  # BadRequest, KnobError and the JSON error above
        engine.stats.record(api.name, "bad_request")
        return JSONResponse(api.error(400, str(exc)), status_code=400)

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
    headers = {api.request_id_header: f"req_dev{response_id}"}
    if isinstance(outcome, Failure):
        if outcome.retry_after_ms is not None:
            headers["retry-after"] = str(max(1, math.ceil(outcome.retry_after_ms / 1000)))
            headers["retry-after-ms"] = str(outcome.retry_after_ms)
        body_json = api.error(outcome.status, _FAILURE_MESSAGES[outcome.status])
        return JSONResponse(body_json, status_code=outcome.status, headers=headers)
    reply = api.reply(outcome, prompt, response_id, model_name(prompt.model))
    return JSONResponse(reply, headers=headers)


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
