"""Checking a webhook's signature (Standard Webhooks).

The platform signs each delivery with three headers: `webhook-id`, `webhook-timestamp` (Unix
seconds) and `webhook-signature` (`v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`, several
separated by spaces while a secret rotates), keyed with the base64-decoded part of the `whsec_...`
secret. Verify the raw body, before parsing it:

    from reports_sdk import webhooks
    event = webhooks.verify(request.headers, request.body, secret)   # the event's JSON, verified
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from typing import Any

from reports_sdk.errors import ReportsError

DEFAULT_TOLERANCE_S = 300


class WebhookVerificationError(ReportsError):
    """The delivery is not one the platform signed with this secret (or is too old or too new)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="webhook_verification_failed")


def _key(secret: str | bytes) -> bytes:
    if isinstance(secret, bytes):
        return secret
    encoded = secret.removeprefix("whsec_")
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise WebhookVerificationError("the secret is not whsec_ followed by base64") from None


def _header(headers: Mapping[str, str], name: str) -> str:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    raise WebhookVerificationError(f"missing header {name}")


def sign(secret: str | bytes, msg_id: str, timestamp: int, body: bytes | str) -> str:
    """The `v1,<signature>` value for one delivery (for tests and for forwarding proxies)."""
    payload = body.encode() if isinstance(body, str) else body
    signed = f"{msg_id}.{timestamp}.".encode() + payload
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def verify(
    headers: Mapping[str, str],
    body: bytes | str,
    secret: str | bytes,
    tolerance: float = DEFAULT_TOLERANCE_S,
    *,
    now: float | None = None,
) -> Any:
    """The delivery's JSON payload once its signature checks out; raises `WebhookVerificationError`
    otherwise. `tolerance` bounds how far the timestamp may be from now, in seconds, against replays."""
    msg_id = _header(headers, "webhook-id")
    raw_timestamp = _header(headers, "webhook-timestamp")
    signatures = _header(headers, "webhook-signature")
    try:
        timestamp = int(raw_timestamp)
    except ValueError:
        raise WebhookVerificationError("webhook-timestamp is not a Unix time in seconds") from None
    current = time.time() if now is None else now
    if timestamp < current - tolerance:
        raise WebhookVerificationError("the delivery is too old (webhook-timestamp)")
    if timestamp > current + tolerance:
        raise WebhookVerificationError("the delivery is from the future (webhook-timestamp)")
    expected = sign(secret, msg_id, timestamp, body).encode()
    matched = False
    for candidate in signatures.split():
        version, _, _value = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(candidate.encode(), expected):
            matched = True  # no early exit: the comparison time does not depend on which matched
    if not matched:
        raise WebhookVerificationError("no signature matches")
    payload = body if isinstance(body, str) else body.decode("utf-8", "replace")
    try:
        return json.loads(payload)
    except ValueError:
        raise WebhookVerificationError("the body is not JSON") from None
