"""Which custom webhook headers a job may set."""

from __future__ import annotations

import pytest

from services.gateway import webhook_rules
from services.gateway.errors import ApiError

FORBIDDEN = [
    "webhook-id",
    "Webhook-Signature",
    "WEBHOOK-TIMESTAMP",
    "webhook-anything",
    "Content-Type",
    "content-length",
    "Host",
    "Transfer-Encoding",
    "Connection",
    "Keep-Alive",
    "Proxy-Authorization",
    "proxy-connection",
    "TE",
    "Trailer",
    "Upgrade",
]


@pytest.mark.parametrize("name", FORBIDDEN)
def test_platform_and_hop_by_hop_headers_are_forbidden(name):
    assert webhook_rules.header_problem(name, "x") is not None


@pytest.mark.parametrize(
    ("name", "value"), [("x-a\r\nx-b", "1"), ("x-a", "1\r\nx-b: 2"), ("x-a", "1\n"), ("x-a", "a\rb")]
)
def test_cr_and_lf_are_forbidden_in_names_and_values(name, value):
    assert "CR or LF" in (webhook_rules.header_problem(name, value) or "")


@pytest.mark.parametrize("name", ["", "x a", "x:a", "é"])
def test_names_must_be_http_tokens(name):
    assert webhook_rules.header_problem(name, "1") is not None


@pytest.mark.parametrize(
    ("name", "value"),
    [("Authorization", "Bearer abc"), ("x-team", "sales"), ("X-Signature-Extra", "a\tb"), ("x-empty", "")],
)
def test_ordinary_headers_are_allowed(name, value):
    assert webhook_rules.header_problem(name, value) is None


def test_check_reports_every_bad_header_with_its_json_path():
    with pytest.raises(ApiError) as raised:
        webhook_rules.check({"url": "https://example.com/h", "headers": {"Host": "x", "a/b": "1", "ok": "1"}})
    error = raised.value
    assert (error.status, error.code) == (400, "webhook_header_forbidden")
    assert [d.path for d in error.details] == ["/webhook/headers/Host", "/webhook/headers/a~1b"]


def test_check_refuses_a_scheme_other_than_http_and_https():
    with pytest.raises(ApiError) as raised:
        webhook_rules.check({"url": "ftp://example.com/h"})
    assert (raised.value.code, raised.value.details[0].path) == ("webhook_url_forbidden", "/webhook/url")
