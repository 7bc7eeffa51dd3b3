"""What a job's `webhook` may be, beyond its JSON Schema: a public http(s) URL and safe headers.

The URL's form and the headers are checked with the rest of the body (`check`); whether the host
is or resolves to a private address needs DNS, so the route awaits `check_address` after.
The dispatcher checks the address again when it connects.
"""

from __future__ import annotations

import re
from typing import Any

from services.common.rpc_errors import FieldProblem
from services.common.strict_json import quote
from services.domain import ssrf
from services.gateway.errors import ApiError

# Set by the platform, or hop-by-hop: a job may not send them.
RESERVED = frozenset(
    {
        "content-type",
        "content-length",
        "host",
        "transfer-encoding",
        "connection",
        "keep-alive",
        "te",
        "trailer",
        "trailers",
        "upgrade",
        "expect",
    }
)
RESERVED_PREFIXES = ("webhook-", "proxy-")
TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")  # an RFC 9110 field name
VALUE = re.compile(r"^[\t\x20-\x7e]*$")  # a value: visible ASCII, space and tab (what every client sends as is)
MAX_HEADERS = 32
MAX_VALUE_LENGTH = 4096
MAX_NAME_LENGTH = 256


def _path(name: str) -> str:
    return "/webhook/headers/" + name[:MAX_NAME_LENGTH].replace("~", "~0").replace("/", "~1")


def header_problem(name: str, value: str) -> str | None:
    if any(c in name or c in value for c in "\r\n"):
        return "header names and values may not contain CR or LF"
    if len(name) > MAX_NAME_LENGTH:
        return f"header names are at most {MAX_NAME_LENGTH} characters"
    if not TOKEN.match(name):
        return f"{quote(name)} is not a valid header name"
    lower = name.lower()
    if lower in RESERVED or lower.startswith(RESERVED_PREFIXES):
        return f"{name} is set by the platform (or is hop-by-hop) and may not be sent by a job"
    if not VALUE.match(value):
        return "header values may hold only visible ASCII characters, spaces and tabs"
    if len(value) > MAX_VALUE_LENGTH:
        return f"header values are at most {MAX_VALUE_LENGTH} characters"
    return None


def check(webhook: dict[str, Any] | None) -> None:
    """The URL's scheme and form, and the custom headers: 400 on the first field at fault."""
    if webhook is None:
        return
    try:
        ssrf.parse(webhook["url"])
    except ssrf.ForbiddenUrl as exc:
        raise forbidden_url(str(exc)) from None
    headers: dict[str, str] = webhook.get("headers", {})
    if len(headers) > MAX_HEADERS:
        raise ApiError(
            400,
            "invalid_request",
            f"at most {MAX_HEADERS} webhook headers",
            [FieldProblem("/webhook/headers", f"at most {MAX_HEADERS} headers")],
        )
    problems = [
        FieldProblem(_path(name), problem)
        for name, value in headers.items()
        if (problem := header_problem(name, value)) is not None
    ]
    if problems:
        raise ApiError(400, "webhook_header_forbidden", f"{problems[0].path}: {problems[0].message}", problems)


async def check_address(
    webhook: dict[str, Any] | None, *, allow_private: bool, resolver: ssrf.Resolver = ssrf.system_resolver
) -> None:
    if webhook is None:
        return
    try:
        await ssrf.check_url(webhook["url"], allow_private=allow_private, resolver=resolver)
    except ssrf.ForbiddenUrl as exc:
        raise forbidden_url(str(exc)) from None


def forbidden_url(reason: str) -> ApiError:
    return ApiError(400, "webhook_url_forbidden", f"/webhook/url: {reason}", [FieldProblem("/webhook/url", reason)])
