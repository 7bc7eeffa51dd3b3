"""Alembic's environment: the store hands it a connection already in a transaction (migrate.py)."""

from alembic import context
from sqlmodel import SQLModel

from services.store import tables  # noqa: F401  (registers the tables on SQLModel.metadata)

connection = context.config.attributes["connection"]
context.configure(
    connection=connection, target_metadata=SQLModel.metadata, render_as_batch=connection.dialect.name == "sqlite"
)
with context.begin_transaction():
    context.run_migrations()
