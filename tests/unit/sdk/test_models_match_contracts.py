"""The SDK's models say exactly what the contract's JSON Schemas and the gateway's OpenAPI document say:
the same fields under the same JSON names, the same nullability, types and enums. Drift fails here."""

from __future__ import annotations

import types
import typing
from typing import Any, Literal, Union

import pytest

from reports_sdk import models
from reports_sdk.models import Model, json_fields
from services import contracts
from services.gateway import openapi

DOCUMENT = openapi.document()
COMPONENTS = DOCUMENT["components"]["schemas"]


def contract(name: str) -> dict[str, Any]:
    return contracts.schema(name)


def deref(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = COMPONENTS[schema["$ref"].rsplit("/", 1)[1]]
    return schema


def branches(schema: dict[str, Any]) -> tuple[list[dict[str, Any]], bool]:
    """The non-null alternatives of a schema, and whether null is allowed."""
    schema = deref(schema)
    options = schema.get("anyOf") or schema.get("oneOf")
    if options is None:
        return [schema], schema.get("type") == "null"
    non_null = [deref(o) for o in options if deref(o).get("type") != "null"]
    return non_null, len(non_null) < len(options)


def unwrap(hint: Any) -> tuple[list[Any], bool]:
    """The non-None alternatives of a type hint, and whether None is allowed."""
    if typing.get_origin(hint) in (Union, types.UnionType):
        args = typing.get_args(hint)
        return [a for a in args if a is not type(None)], type(None) in args
    return [hint], False


SCALARS = {str: "string", float: "number", int: "integer", bool: "boolean"}


def check(model: type[Model], schema: dict[str, Any], where: str) -> None:
    schema = deref(schema)
    properties = schema["properties"]
    fields = json_fields(model)
    assert set(fields) == set(properties), (
        f"{where}: the model has {sorted(set(fields) - set(properties))} more, "
        f"the schema {sorted(set(properties) - set(fields))} more"
    )
    required = set(schema.get("required", []))
    for name, (field, hint) in fields.items():
        check_value(
            hint,
            properties[name],
            f"{where}/{name}",
            optional_in_schema=name not in required,
            has_default=field.default is not field.default_factory,
        )


def check_value(
    hint: Any, schema: dict[str, Any], where: str, *, optional_in_schema: bool = False, has_default: bool = False
) -> None:
    options, nullable = branches(schema)
    hints, optional = unwrap(hint)
    if nullable or optional_in_schema:
        assert optional, f"{where}: the schema allows it to be absent or null; the model must allow None"
    elif optional:
        raise AssertionError(f"{where}: required and never null in the schema, but Optional in the model")
    if len(hints) > 1:  # the report's sections: one model per oneOf branch, by its `kind`
        by_kind = {h.KIND: h for h in hints}
        assert {o["properties"]["kind"]["const"] for o in options} == set(by_kind), where
        for option in options:
            check(
                by_kind[option["properties"]["kind"]["const"]],
                option,
                f"{where}[{option['properties']['kind']['const']}]",
            )
        return
    (tp,), (sub,) = hints, options
    origin = typing.get_origin(tp)
    if isinstance(tp, type) and issubclass(tp, Model):
        assert sub.get("type") == "object", where
        check(tp, sub, where)
    elif origin is Literal:
        allowed = set(sub["enum"]) if "enum" in sub else {sub["const"]}
        assert set(typing.get_args(tp)) == allowed, f"{where}: model {typing.get_args(tp)} vs schema {allowed}"
    elif origin is tuple:
        assert sub.get("type") == "array", where
        items = sub.get("items") or sub["prefixItems"][0]
        check_value(typing.get_args(tp)[0], items, f"{where}[]")
    elif origin is dict:
        assert sub.get("type") == "object", where
    else:
        assert SCALARS[tp] == sub.get("type") or (tp is float and sub.get("type") == "integer"), (
            f"{where}: model {tp.__name__} vs schema {sub.get('type')}"
        )
        if "enum" in sub:
            pytest.fail(f"{where}: the schema has an enum {sub['enum']}; type the model with a Literal")


CONTRACT_MODELS = [
    (models.CreateReportJobRequest, "create-report-job.request"),
    (models.CreateReportJobResponse, "create-report-job.response"),
    (models.Report, "report.response"),
]

COMPONENT_MODELS = {
    "CreateReportJobRequest": models.CreateReportJobRequest,
    "CreateReportJobResponse": models.CreateReportJobResponse,
    "Report": models.Report,
    "Target": models.Target,
    "Media": models.Media,
    "Entity": models.Entity,
    "SpeakerAnalytics": models.SpeakerAnalytics,
    "Resolution": models.Resolution,
    "Job": models.Job,
    "JobError": models.JobError,
    "JobProgress": models.JobProgress,
    "JobResolution": models.JobResolution,
    "JobUsage": models.JobUsage,
    "JobCall": models.JobCall,
    "WebhookState": models.WebhookState,
    "JobEvent": models.JobEvent,
    "ReportEvidence": models.ReportEvidence,
    "AuditRecord": models.AuditRecord,
    "Usage": models.Usage,
    "UsageGroup": models.UsageGroup,
    "UsageFigures": models.UsageFigures,
}
# Shapes the SDK handles without a model of their own.
NOT_MODELLED = {
    "Error",
    "MediaPage",
    "JobPage",
    "ReportPage",
    "Health",
    "Readiness",
    "CreateMediaRequest",
    "StatusEvent",
    "AuditPage",
}


@pytest.mark.parametrize(("model", "name"), CONTRACT_MODELS, ids=[n for _m, n in CONTRACT_MODELS])
def test_each_contract_model_matches_its_json_schema_file(model: type[Model], name: str):
    check(model, contract(name), name)


def test_the_target_model_matches_the_contracts_target():
    check(models.Target, contract("create-report-job.request")["properties"]["target"], "target")


@pytest.mark.parametrize("name", sorted(COMPONENT_MODELS))
def test_each_model_matches_its_openapi_component(name: str):
    check(COMPONENT_MODELS[name], COMPONENTS[name], name)


def test_every_openapi_component_has_a_model():
    assert set(COMPONENTS) == set(COMPONENT_MODELS) | NOT_MODELLED


def test_the_speaker_model_matches_the_media_requests_speakers():
    check(models.Speaker, COMPONENTS["CreateMediaRequest"]["properties"]["speakers"]["items"], "speakers[]")


def test_the_check_catches_drift():
    """A model with a field the schema lacks, or a wrong enum, fails the check."""
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class Drifted(Model):
        code: str
        message: str
        extra: int | None = None

    with pytest.raises(AssertionError, match="extra"):
        check(Drifted, COMPONENTS["JobError"], "JobError")

    @dataclass(frozen=True)
    class WrongEnum(Model):
        template: Literal["sales_playbook"]

    with pytest.raises(AssertionError, match="template"):
        check(WrongEnum, contract("report.response")["properties"]["output"], "output")
