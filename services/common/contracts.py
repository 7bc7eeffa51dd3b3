"""The public REST contract's JSON Schemas (contracts/v1), loaded once and compiled on demand."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from services.common.schema_check import SchemaValidator

CONTRACTS_DIR = Path(__file__).resolve().parents[2] / "contracts" / "v1"

CREATE_JOB_REQUEST = "create-report-job.request"
CREATE_JOB_RESPONSE = "create-report-job.response"
REPORT_RESPONSE = "report.response"


# An absolute URI (RFC 3986): a scheme, then no whitespace or control characters. jsonschema's own
# "uri" check needs a grammar package that takes seconds to import; this is all the contract needs.
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s\x00-\x1f\x7f]+$")


def _is_uri(value: str) -> bool:
    return bool(_URI.match(value))


# The formats the platform checks; every other format is an annotation only.
FORMATS = {"uri": _is_uri}


@cache
def schema(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((CONTRACTS_DIR / f"{name}.schema.json").read_text())
    return document


@cache
def validator(name: str) -> SchemaValidator:
    return SchemaValidator(schema(name), formats=FORMATS)


def report_document_schema() -> dict[str, Any]:
    """The schema of a report's `json` document (the non-null branch of the contract's anyOf)."""
    branches = schema(REPORT_RESPONSE)["properties"]["json"]["anyOf"]
    document = next(b for b in branches if b.get("type") == "object")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **document}


@cache
def report_document_validator() -> SchemaValidator:
    return SchemaValidator(report_document_schema())
