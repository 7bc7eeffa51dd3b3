"""Reading a JSON request body: content type, size limit, strict JSON (services.common.strict_json),
an object. Large bodies are decoded on the bounded CPU pool, off the event loop."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from services.common import cpu, strict_json
from services.common.rpc_errors import FieldProblem
from services.gateway.errors import ApiError


async def json_object(request: Request, limit: int) -> dict[str, Any]:
    content_type = request.headers.get("content-type", "")
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type != "application/json" and not media_type.endswith("+json"):
        shown = strict_json.quote(content_type) if content_type else "no content type"
        raise ApiError(415, "unsupported_media_type", f"send the body as application/json, not {shown}")
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and (len(declared) > 15 or int(declared) > limit):
        raise _too_large(limit)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    raw = b"".join(chunks)
    try:
        body = strict_json.loads(raw) if size < cpu.INLINE_BYTES else await cpu.run(strict_json.loads, raw)
    except strict_json.JsonProblem as problem:
        # One stable code for clients; the message and details say which rule (problem.code) failed.
        raise ApiError(
            400,
            "invalid_json",
            f"the body is not acceptable JSON ({problem.code}): {problem}",
            [FieldProblem(problem.path, problem.message)],
        ) from None
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_body", "the body must be a JSON object")
    return body


def _too_large(limit: int) -> ApiError:
    return ApiError(413, "body_too_large", f"the body is larger than {limit // (1024 * 1024)} MiB")
