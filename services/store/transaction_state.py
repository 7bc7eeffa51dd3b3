"""What a transaction remembers about itself: values that live exactly as long as one transaction.

A value is kept in the connection's `info` (which the pooled connection carries from transaction to
transaction) beside the transaction it belongs to, and is seen only while that same transaction is
the connection's: the next transaction starts with nothing, whether the one before committed or
rolled back. The store takes no savepoints, so what a transaction remembers is never undone under it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.engine import Connection

V = TypeVar("V")


def remembered(connection: Connection, key: str, new: Callable[[], V]) -> V:
    """The current transaction's value under `key`, `new()` at its first use in the transaction.
    Outside a transaction (one about to begin implicitly) a value of its own each time, as there is
    nothing to keep it beside."""
    transaction = connection.get_transaction()
    if transaction is None:
        return new()
    held: tuple[object, V] | None = connection.info.get(key)
    if held is None or held[0] is not transaction:
        held = connection.info[key] = (transaction, new())
    return held[1]


def recalled(connection: Connection, key: str) -> object | None:
    """The current transaction's value under `key`, or None when it has none."""
    held: tuple[object, object] | None = connection.info.get(key)
    if held is None or held[0] is not connection.get_transaction():
        return None
    return held[1]
