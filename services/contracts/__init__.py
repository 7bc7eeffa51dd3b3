"""The public REST contract: its text and JSON Schemas (`v1/`, package data), loaded once and compiled on demand.

The files are the contract byte for byte; they are read with importlib.resources, so an installed
wheel finds them as a checkout does.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

from services.common.schema_check import SchemaValidator

VERSION_DIR: Traversable = resources.files(__name__) / "v1"

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
    document: dict[str, Any] = json.loads((VERSION_DIR / f"{name}.schema.json").read_bytes())
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
