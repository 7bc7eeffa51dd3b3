"""Values written into a statement's SQL instead of sent as parameters.

PostgreSQL plans a statement the driver has prepared (psycopg prepares one at its fifth run) once
for any parameters, from each column's average frequency. A job's status is skewed: most jobs have
ended and a few are queued or running, so `status = $1` was planned as if it matched a share of
every job, and the window's count of outstanding jobs read the whole table in every fill (B1 on
PostgreSQL: 0.27 ms a fill at 2,000 jobs, 5.3 ms at 20,000). Written into the SQL, a status is
planned with its own frequency in every plan. Only the store's own constants go here.
"""

from __future__ import annotations

import re

from sqlalchemy import String, literal_column
from sqlalchemy.sql.elements import ColumnElement

_PLAIN = re.compile(r"[a-z_]+")


def constant(value: str) -> ColumnElement[str]:
    if not _PLAIN.fullmatch(value):
        raise ValueError(f"not a plain constant: {value!r}")
    return literal_column(f"'{value}'", String)
