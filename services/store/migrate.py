"""Schema migrations: Alembic brings the database to the latest revision when the store starts.

Revisions live in `migrations/versions` (0001 is the schema as it was before migrations existed);
`python -m services.store.migrate revision -m "what"` writes the next one from the difference
between the models (tables.py) and the database, to be read and tidied by hand.

Two store replicas starting together must not both migrate: the upgrade runs in one transaction
that first takes a lock, PostgreSQL's `pg_advisory_xact_lock` keyed by the schema, SQLite's write
lock (`BEGIN IMMEDIATE`, which the engine issues for every transaction). The second replica waits,
then finds the database at the head and does nothing. DDL is transactional on both, so a failed
upgrade leaves the database as it was.

A database made before migrations existed (tables, no `alembic_version`) is stamped 0001 and
upgraded from there. A database at a revision this store does not know was migrated by a newer
store: starting against it is refused, since this code would misread rows it does not understand.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BASELINE = "0001"
# The lock's first key ("RPMG"); the second is a hash of the schema, like the outbox relay's.
MIGRATION_LOCK_CLASS = 0x52504D47


class SchemaTooNew(RuntimeError):
    pass


def config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def head() -> str:
    from alembic.script import ScriptDirectory

    revision = ScriptDirectory.from_config(config()).get_current_head()
    assert revision is not None
    return revision


def numbered_head() -> str:
    """The newest revision by its file name: `revision` numbers them 0001, 0002, ... in one line, so
    the highest number is the head (a test holds this to Alembic's own answer)."""
    return max(path.name[:4] for path in (MIGRATIONS / "versions").glob("[0-9][0-9][0-9][0-9]_*.py"))


def current(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine) -> None:
    """Brings the database to the head revision, under the lock; refuses a newer database.

    A database already at the head (every start but the first after a release) is told by one
    read, without loading Alembic, which is most of a store's start-up CPU."""
    if _at_revision(engine, numbered_head()):
        return
    from alembic import command
    from alembic.script import ScriptDirectory

    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Another replica may be migrating: wait for it however long it takes (the store's
            # connections otherwise give up on a lock after a few seconds, db.py).
            connection.execute(text("SET LOCAL lock_timeout = 0"))
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:lock_class, hashtext(current_schema()))"),
                {"lock_class": MIGRATION_LOCK_CLASS},
            )
        cfg = config(connection)
        revision = current(connection)
        known = {script.revision for script in ScriptDirectory.from_config(cfg).walk_revisions()}
        if revision is not None and revision not in known:
            raise SchemaTooNew(_too_new_message(revision))
        if revision is None and inspect(connection).has_table("jobs"):
            command.stamp(cfg, BASELINE)  # made before migrations existed: that schema is 0001
        command.upgrade(cfg, "head")


def _at_revision(engine: Engine, revision: str) -> bool:
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return False
        return list(connection.execute(text("SELECT version_num FROM alembic_version")).scalars()) == [revision]


def _too_new_message(revision: str) -> str:
    return (
        f"the database is at schema revision {revision!r}, which this store does not know "
        f"(its latest is {head()!r}): a newer version of the store migrated it. "
        "Run that version (or newer); this one would misread its rows."
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m services.store.migrate")
    sub = parser.add_subparsers(dest="command", required=True)
    new = sub.add_parser("revision", help="write the next revision from the models' difference")
    new.add_argument("-m", "--message", required=True)
    new.add_argument(
        "--database-url",
        default="sqlite:///var/migrate-scratch.db",
        help="a scratch database, brought to the head first",
    )
    sub.add_parser("upgrade", help="bring REPORTS_DATABASE_URL to the head (the store does this on start)")
    args = parser.parse_args()

    from services.store.db import create_db_engine
    from services.store.settings import StoreSettings

    if args.command == "upgrade":
        upgrade(create_db_engine(StoreSettings.from_env(os.environ).database_url))
        return
    from alembic import command

    engine = create_db_engine(args.database_url)
    upgrade(engine)
    with engine.begin() as connection:
        number = f"{int(head()) + 1:04d}"
        command.revision(config(connection), message=args.message, autogenerate=True, rev_id=number)


if __name__ == "__main__":
    main()
