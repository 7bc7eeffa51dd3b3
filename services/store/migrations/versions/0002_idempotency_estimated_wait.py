"""The first request's wait estimate kept with its idempotency key (null on older rows).

A store of the last pre-migration version already added this column (create_all plus nullable
columns), so it is added only where it is missing.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    columns = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("idempotency_keys")}
    if "estimated_wait_sec" not in columns:
        with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
            batch_op.add_column(sa.Column("estimated_wait_sec", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.drop_column("estimated_wait_sec")
