"""The public contract's files, read as package data through `services.contracts`."""

from __future__ import annotations

from jsonschema import Draft202012Validator

from services import contracts


def test_every_schema_of_the_contract_loads_and_is_a_valid_draft_2020_12_schema():
    names = sorted(
        f.name.removesuffix(".schema.json") for f in contracts.VERSION_DIR.iterdir() if f.name.endswith(".schema.json")
    )
    assert names == sorted([contracts.CREATE_JOB_REQUEST, contracts.CREATE_JOB_RESPONSE, contracts.REPORT_RESPONSE])
    for name in names:
        Draft202012Validator.check_schema(contracts.schema(name))
        assert contracts.validator(name) is contracts.validator(name)


def test_the_contract_folder_holds_its_text_beside_the_schemas():
    text = (contracts.VERSION_DIR / "reports-api-v1.txt").read_text(encoding="utf-8")
    assert "POST /v1/reports/jobs" in text


def test_the_report_document_schema_is_the_object_branch_of_the_reports_json():
    document = contracts.report_document_schema()
    assert document["type"] == "object"
    assert contracts.report_document_validator().is_valid({}) is False
