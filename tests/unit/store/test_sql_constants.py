"""A constant is written into a statement's SQL (so PostgreSQL plans it with its own frequency), and
only a plain word can be one."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from services.store.sql_constants import constant
from services.store.tables import JOBS


@pytest.mark.parametrize("dialect", [postgresql.psycopg.dialect(), sqlite.dialect()], ids=["postgresql", "sqlite"])
def test_a_constant_is_in_the_sql_and_not_a_parameter(dialect) -> None:  # type: ignore[no-untyped-def]
    compiled = select(JOBS.c.id).where(JOBS.c.status == constant("running")).compile(dialect=dialect)
    assert "jobs.status = 'running'" in str(compiled)
    assert compiled.params == {}


@pytest.mark.parametrize("value", ["it's", "running; DROP TABLE jobs", "", "Running"])
def test_only_a_plain_word_can_be_a_constant(value: str) -> None:
    with pytest.raises(ValueError, match="not a plain constant"):
        constant(value)
