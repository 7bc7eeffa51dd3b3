"""The store's records, made from the table models: exactly a table's columns, with its defaults."""

from __future__ import annotations

import dataclasses

import pytest
from sqlmodel import SQLModel

from services.store import records
from services.store.tables import AuditRow, EntityRow, JobRow, MediaRow, PromptRow, ReportRow

PAIRS = [
    (records.Media, MediaRow),
    (records.Entity, EntityRow),
    (records.Job, JobRow),
    (records.Report, ReportRow),
    (records.Prompt, PromptRow),
    (records.Audit, AuditRow),
]


@pytest.mark.parametrize(("record", "model"), PAIRS, ids=[model.__name__ for _, model in PAIRS])
def test_a_record_has_exactly_its_tables_columns_and_the_models_defaults(record: type, model: type[SQLModel]):
    assert record.__name__ == model.__name__.removesuffix("Row")
    fields = {f.name: f for f in dataclasses.fields(record)}
    assert set(fields) == {column.name for column in model.__table__.columns}
    assert set(vars(record)["__slots__"]) == set(fields)  # instances have no __dict__
    for name, info in model.model_fields.items():
        expected = dataclasses.MISSING if info.is_required() else info.default
        assert fields[name].default == expected, name
        assert fields[name].kw_only, name


def test_a_record_refuses_a_field_its_table_does_not_have():
    with pytest.raises(TypeError, match="no_such_column"):
        records.Audit(no_such_column=1)
