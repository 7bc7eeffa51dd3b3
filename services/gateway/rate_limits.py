"""Each tenant's request rate on /v1: one token a request, from the bucket every replica shares.

A pure ASGI middleware: a request to /v1/ with a known API key spends a token of its tenant's bucket
(services/gateway/rate_limiter.py); a request that finds the bucket empty is answered 429
`rate_limited` with Retry-After, in the API's one error shape, before any route runs. Every answer
to such a request carries RateLimit-Limit, RateLimit-Remaining and RateLimit-Reset. A request without
a known key passes untouched: the route answers its 401, and nothing is counted for a tenant it
cannot name.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.gateway.errors import ApiError, error_response
from services.gateway.rate_limiter import SharedRateLimiter


def _bearer(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, key = value.decode("latin-1").partition(" ")
            return key.strip() or None if scheme.lower() == "bearer" else None
    return None


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        limiter: SharedRateLimiter | None = getattr(scope["app"].state, "rate_limiter", None)
        if scope["type"] != "http" or limiter is None or not scope["path"].startswith("/v1/"):
            await self.app(scope, receive, send)
            return
        key = _bearer(scope)
        tenant = scope["app"].state.api_keys.tenant(key) if key else None
        decision = await limiter.take(tenant) if tenant is not None else None
        if decision is None:
            await self.app(scope, receive, send)
            return
        headers = decision.headers()
        if not decision.allowed:
            error = ApiError(
                429,
                "rate_limited",
                f"over this API key's tenant request rate; retry after {decision.retry_after_s} s",
                headers=headers,
            )
            await error_response(error)(scope, receive, send)
            return
        raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]

        async def send_with_limits(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).extend(raw)
            await send(message)

        await self.app(scope, receive, send_with_limits)
