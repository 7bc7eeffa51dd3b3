"""Job usage: the tokens, attempts, provider, model and cost of each job's LLM calls, and an index
for a tenant's jobs by when they ended (GET /v1/usage).

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("usage_input_tokens", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("usage_output_tokens", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("usage_attempts", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("usage_provider", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))
        batch_op.add_column(sa.Column("usage_model", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True))
        batch_op.add_column(sa.Column("usage_cost_usd", sa.Float(), nullable=True))
        batch_op.create_index("ix_jobs_tenant_finished", ["tenant", "finished_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_jobs_tenant_finished")
        batch_op.drop_column("usage_cost_usd")
        batch_op.drop_column("usage_model")
        batch_op.drop_column("usage_provider")
        batch_op.drop_column("usage_attempts")
        batch_op.drop_column("usage_output_tokens")
        batch_op.drop_column("usage_input_tokens")
