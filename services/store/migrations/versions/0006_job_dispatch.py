"""Fair dispatch: when each job's render command was written (null: waiting its turn in the store),
the request that created it (its command carries that request id), and the index the dispatcher reads. Jobs queued or running at the upgrade already have their
command in JetStream: they count as dispatched.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dispatched_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("request_id", sa.Text(), nullable=True))
        batch_op.create_index("ix_jobs_dispatch", ["status", "stage", "dispatched_at", "tenant", "id"], unique=False)
    op.execute("UPDATE jobs SET dispatched_at = created_at WHERE status IN ('queued', 'running')")


def downgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_jobs_dispatch")
        batch_op.drop_column("request_id")
        batch_op.drop_column("dispatched_at")
