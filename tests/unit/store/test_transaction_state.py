"""What a transaction remembers lives as long as that transaction: the next one, after a commit or
a rollback, starts with nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from services.store.db import create_db_engine
from services.store.transaction_state import recalled, remembered


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'state.db'}")
    yield engine
    engine.dispose()


def test_a_value_lives_as_long_as_its_transaction(engine: Engine):
    with engine.connect() as connection:
        with connection.begin():
            assert recalled(connection, "k") is None
            first = remembered(connection, "k", set)
            first.add("a")
            assert remembered(connection, "k", set) is first
            assert recalled(connection, "k") == {"a"}
        assert recalled(connection, "k") is None  # outside any transaction
        with connection.begin():  # the next transaction on the same connection
            assert recalled(connection, "k") is None
            assert remembered(connection, "k", set) == set()
        transaction = connection.begin()
        remembered(connection, "k", set).add("b")
        transaction.rollback()
        with connection.begin():
            assert recalled(connection, "k") is None


def test_outside_a_transaction_nothing_is_kept(engine: Engine):
    with engine.connect() as connection:
        remembered(connection, "k", set).add("a")
        assert remembered(connection, "k", set) == set()
