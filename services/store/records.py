"""The store's rows as records: one class per table, built from its SQLModel class in tables.py.

A record has exactly its table's columns, with the model's types and defaults: domain code holds
one, changes it and writes back the columns it changed; convert.py turns it into messages. The
store queries with SQLAlchemy Core (statements built once, rows as tuples), and a record is built
from such a row.

At run time a record is a slots dataclass made from the model's fields, not the model itself: a
table model tracks every attribute for the ORM, so building one from a row and setting a few
fields costs several times a dataclass's, and a job's create, claim, moves and completion each
build one. To the type checker a record is its table model (the same names and types), so there is
one definition of each table and nothing to keep equal.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar, cast

from sqlalchemy.engine import Row
from sqlmodel import SQLModel

from services.store.tables import AuditRow, EntityRow, JobRow, MediaRow, PromptRow, ReportRow

R = TypeVar("R", bound=SQLModel)
# A row of any select (SQLAlchemy types a row by its columns).
AnyRow: TypeAlias = "Row[*tuple[Any, ...]]"


def _plain(model: type[SQLModel]) -> type:
    """A slots dataclass with the model's fields (keyword-only), types and defaults."""
    fields = []
    for name, info in model.model_fields.items():
        if info.default_factory is not None:
            field = dataclasses.field(default_factory=cast(Callable[[], Any], info.default_factory))
        elif info.is_required():
            field = dataclasses.field()
        else:
            field = dataclasses.field(default=info.default)
        fields.append((name, info.annotation, field))
    return dataclasses.make_dataclass(model.__name__.removesuffix("Row"), fields, slots=True, kw_only=True)


if TYPE_CHECKING:
    Media = MediaRow
    Entity = EntityRow
    Job = JobRow
    Report = ReportRow
    Prompt = PromptRow
    Audit = AuditRow
else:
    Media = _plain(MediaRow)
    Entity = _plain(EntityRow)
    Job = _plain(JobRow)
    Report = _plain(ReportRow)
    Prompt = _plain(PromptRow)
    Audit = _plain(AuditRow)


def of_row(record: type[R], row: AnyRow) -> R:
    """The record of a Core row read with all its table's columns (`select(TABLE)`)."""
    # keyed by column objects too in general; a select(TABLE)'s row by its columns' names
    mapping: Mapping[str, Any] = row._mapping  # type: ignore[assignment]
    return record(**mapping)


def values(record: object, names: tuple[str, ...]) -> dict[str, Any]:
    """These fields of the record, by name: an insert's or an update's values."""
    return {name: getattr(record, name) for name in names}
