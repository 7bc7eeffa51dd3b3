"""Signing and verifying deliveries the Standard Webhooks way (https://www.standardwebhooks.com).

The secret is `whsec_` followed by base64; its decoded bytes key an HMAC-SHA256 of
`"{webhook-id}.{webhook-timestamp}.{body}"`, sent base64-encoded as `webhook-signature: v1,<sig>`.
The header may carry several space-separated signatures (during a secret rotation); one match is
enough. A receiver calls `verify(headers, body, secret)` before trusting a delivery.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Mapping
from typing import Any

SECRET_PREFIX = "whsec_"
MIN_SECRET_BYTES = 16
DEFAULT_TOLERANCE_S = 300


class WebhookVerificationError(Exception):
    """The delivery is not signed with this secret, or its timestamp is too old or too new."""


def generate_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def parse_secret(secret: str | bytes) -> bytes:
    """The key bytes of a `whsec_<base64>` secret (raw bytes are taken as the key itself)."""
    if isinstance(secret, bytes):
        return secret
    value = secret.strip()
    if value.startswith(SECRET_PREFIX):
        value = value[len(SECRET_PREFIX) :]
    try:
        key = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("a webhook secret is whsec_ followed by base64") from None
    if len(key) < MIN_SECRET_BYTES:
        raise ValueError(f"a webhook secret decodes to at least {MIN_SECRET_BYTES} bytes, got {len(key)}")
    return key


def signature(key: bytes, msg_id: str, timestamp: int, body: bytes) -> bytes:
    signed = f"{msg_id}.{timestamp}.".encode() + body
    return hmac.new(key, signed, hashlib.sha256).digest()


def sign(secret: str | bytes, msg_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` header value for one delivery."""
    return "v1," + base64.b64encode(signature(parse_secret(secret), msg_id, timestamp, body)).decode("ascii")


def _header(headers: Mapping[str, str], name: str) -> str:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    raise WebhookVerificationError(f"missing {name} header")


def verify(
    headers: Mapping[str, str],
    body: bytes | str,
    secret: str | bytes,
    *,
    tolerance_s: float = DEFAULT_TOLERANCE_S,
    now: float | None = None,
) -> Any:
    """Checks a delivery's signature and timestamp; returns its JSON payload.

    Raises WebhookVerificationError when a header is missing, the timestamp is more than
    `tolerance_s` away from `now` (a replay), or no `v1` signature matches.
    """
    raw = body.encode() if isinstance(body, str) else body
    msg_id = _header(headers, "webhook-id")
    try:
        timestamp = int(_header(headers, "webhook-timestamp"))
    except ValueError:
        raise WebhookVerificationError("webhook-timestamp is not an integer") from None
    current = time.time() if now is None else now
    if timestamp < current - tolerance_s:
        raise WebhookVerificationError("webhook-timestamp is too old")
    if timestamp > current + tolerance_s:
        raise WebhookVerificationError("webhook-timestamp is too new")
    expected = signature(parse_secret(secret), msg_id, timestamp, raw)
    for candidate in _header(headers, "webhook-signature").split():
        version, _, encoded = candidate.partition(",")
        if version != "v1":
            continue
        try:
            given = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            continue
        if hmac.compare_digest(given, expected):
            return json.loads(raw)
    raise WebhookVerificationError("no matching signature")
