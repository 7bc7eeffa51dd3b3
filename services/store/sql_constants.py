"""Values written into a statement's SQL instead of sent as parameters.

PostgreSQL plans a statement the driver has prepared (psycopg prepares one at its fifth run) once
for any parameters, from each column's average frequency. A job's status is skewed: in a store in
use most jobs have ended, under a burst most wait queued, and few run at any time; `status = $1`
was planned as if it matched a share of every job. So the window's count of outstanding jobs read
the whole table in every fill (B1 on PostgreSQL, its jobs all queued: 0.27 ms a fill at 2,000 jobs,
5.3 ms at 20,000), and a tenant's count of running jobs did the same over its ended ones. Written
into the SQL, a status is planned with its own frequency in every plan. Only the store's own
constants go here.
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
