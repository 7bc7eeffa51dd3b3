"""Each tenant's count of queued jobs, kept by triggers on `jobs`, so that the queued cap
(quotas.py) reads one row instead of counting the tenant's queue at every create.

Triggers rather than the store's code: a job enters or leaves `queued` in many places (create,
claim, cancel, failure, deletion of the job or its media, retention, a restore), and a trigger sees
every one of them, whatever a later change adds. On SQLite, `batch_alter_table` on `jobs` copies
the table and drops its triggers: a later migration that does so must create them again
(`create_triggers`), which test_queued_counts' check at the head would otherwise catch.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_ADD_ONE = (
    "INSERT INTO tenant_queues (tenant, queued) VALUES (NEW.tenant, 1) "
    "ON CONFLICT (tenant) DO UPDATE SET queued = tenant_queues.queued + 1"
)
_TAKE_ONE = "UPDATE tenant_queues SET queued = queued - 1 WHERE tenant = OLD.tenant"

_SQLITE_TRIGGERS = {
    "jobs_queued_insert": f"AFTER INSERT ON jobs WHEN NEW.status = 'queued' BEGIN {_ADD_ONE}; END",
    "jobs_queued_delete": f"AFTER DELETE ON jobs WHEN OLD.status = 'queued' BEGIN {_TAKE_ONE}; END",
    "jobs_queued_leave": (
        f"AFTER UPDATE OF status ON jobs WHEN OLD.status = 'queued' AND NEW.status <> 'queued' BEGIN {_TAKE_ONE}; END"
    ),
    "jobs_queued_enter": (
        f"AFTER UPDATE OF status ON jobs WHEN OLD.status <> 'queued' AND NEW.status = 'queued' BEGIN {_ADD_ONE}; END"
    ),
}

_POSTGRES_FUNCTION = f"""
CREATE FUNCTION count_queued_jobs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        IF OLD.status = 'queued' AND (TG_OP = 'DELETE' OR NEW.status <> 'queued') THEN
            {_TAKE_ONE};
        END IF;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        IF NEW.status = 'queued' AND (TG_OP = 'INSERT' OR OLD.status <> 'queued') THEN
            {_ADD_ONE};
        END IF;
    END IF;
    RETURN NULL;
END
$$
"""
_POSTGRES_TRIGGER = (
    "CREATE TRIGGER jobs_count_queued AFTER INSERT OR DELETE OR UPDATE OF status ON jobs "
    "FOR EACH ROW EXECUTE FUNCTION count_queued_jobs()"
)


def create_triggers() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute(_POSTGRES_FUNCTION)
        op.execute(_POSTGRES_TRIGGER)
    else:
        for name, body in _SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body}")


def upgrade() -> None:
    op.create_table(
        "tenant_queues",
        sa.Column("tenant", sa.String(length=128), nullable=False),
        sa.Column("queued", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("tenant"),
    )
    op.execute(
        "INSERT INTO tenant_queues (tenant, queued) SELECT tenant, count(*) FROM jobs WHERE status = 'queued' GROUP BY tenant"
    )
    create_triggers()


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP TRIGGER jobs_count_queued ON jobs")
        op.execute("DROP FUNCTION count_queued_jobs()")
    else:
        for name in _SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
    op.drop_table("tenant_queues")
