"""Bearer API keys, each belonging to one tenant."""

from __future__ import annotations

import hashlib

from starlette.requests import Request

from services.gateway.errors import ApiError

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="reports"'}


def tenant_of(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise ApiError(401, "unauthorized", "send Authorization: Bearer <api key>", headers=_CHALLENGE)
    tenant: str | None = request.app.state.api_keys.tenant(key.strip())
    if tenant is None:
        raise ApiError(401, "unauthorized", "unknown API key", headers=_CHALLENGE)
    return tenant


def key_id(key: str) -> str:
    """A key's public id: the start of its SHA-256 digest. Audit records name keys by it, never
    by the key."""
    return "key_" + hashlib.sha256(key.encode()).hexdigest()[:16]


def key_id_of(request: Request) -> str:
    """The id of the key a request (already authenticated by `tenant_of`) carries."""
    return key_id(request.headers.get("authorization", "").partition(" ")[2].strip())
