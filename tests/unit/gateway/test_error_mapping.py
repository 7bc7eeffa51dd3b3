"""gRPC errors become bounded HTTP errors: transport limits are 413, messages and details are cut."""

from __future__ import annotations

import json
import logging

import grpc

from services.common.rpc_errors import FieldProblem, ServiceError, from_rpc_error, to_status
from services.gateway.errors import ApiError, error_response, from_service_error


def test_resource_exhausted_from_the_transport_is_413_too_large_not_429():
    # What gRPC itself sends for "received metadata size exceeds hard limit": no ErrorInfo of ours.
    error = ServiceError(
        grpc.StatusCode.RESOURCE_EXHAUSTED, "too_large", "received metadata size exceeds hard limit (9000 vs. 8192)"
    )
    api = from_service_error(error)
    assert (api.status, api.code) == (413, "too_large")
    assert "metadata" not in api.message


def test_a_size_cap_of_ours_is_413_with_its_own_code_and_details():
    error = ServiceError(
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        "transcript_too_large",
        "at most 200 speakers",
        [FieldProblem("/transcript/content", "at most 200 speakers")],
    )
    api = from_service_error(error)
    assert (api.status, api.code, api.message) == (413, "transcript_too_large", "at most 200 speakers")
    assert api.details == error.details


def test_a_resource_exhausted_of_ours_that_is_not_a_size_stays_429():
    api = from_service_error(ServiceError(grpc.StatusCode.RESOURCE_EXHAUSTED, "rate_limited", "slow down"))
    assert api.status == 429


def test_an_error_response_cuts_its_message_and_its_details():
    error = ApiError(
        400, "invalid_request", "x" * 1_000_000, [FieldProblem("/p" * 1000, "m" * 10_000) for _ in range(500)]
    )
    body = json.loads(error_response(error).body)["error"]
    assert len(body["message"]) <= 300
    assert len(body["details"]) == 20
    assert all(len(d["path"]) <= 200 and len(d["message"]) <= 300 for d in body["details"])


def test_a_5xx_is_logged_as_one_line_with_its_code(caplog):
    with caplog.at_level(logging.WARNING, logger="services.gateway.errors"):
        error_response(ApiError(503, "unavailable", "a backend service is unavailable; retry shortly"))
    [record] = caplog.records
    assert (record.status, record.code) == (503, "unavailable")


def test_a_status_sent_over_grpc_fits_in_trailers_whatever_the_error_quotes():
    error = ServiceError(
        grpc.StatusCode.INVALID_ARGUMENT,
        "unknown_speaker",
        "s" * 1_000_000,
        [FieldProblem(f"/speakers/{i}/id", "q" * 100_000) for i in range(200)],
    )
    status = to_status(error)
    # Binary trailers (-bin) travel base64-encoded.
    wire = sum(len(k) + (len(v) * 4 // 3 + 4 if k.endswith("-bin") else len(v)) for k, v in status.trailing_metadata)
    assert wire < 6 * 1024
    assert len(status.details) <= 300


def test_an_rpc_error_without_error_info_is_named_after_its_status():
    class Bare(grpc.RpcError):
        def code(self):
            return grpc.StatusCode.RESOURCE_EXHAUSTED

        def details(self):
            return "received metadata size exceeds hard limit"

        def trailing_metadata(self):
            return ()

    assert from_rpc_error(Bare()).code == "too_large"
