"""reports-admin: operator commands for the embedded default (SQLite and the bundled NATS).

    python -m services.store.admin backup DIR     # while the platform runs (make backup)
    python -m services.store.admin restore DIR --var-dir NEW_VAR   # then start the platform there
    python -m services.store.admin requeue        # after restoring PostgreSQL: jobs that had not ended

Reads REPORTS_DATABASE_URL / REPORTS_VAR_DIR and REPORTS_NATS_URL (and REPORTS_NATS_USER /
REPORTS_NATS_PASSWORD, a user that may read JOB_EVENTS) like the store. Against the stack `make
run` started, `make backup` (stack/admin.py) gives it that NATS's operator. PostgreSQL is backed up
with its own tools (README: Data lifecycle).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

from sqlalchemy.engine import make_url

from services.common import env, streams
from services.store import backup
from services.store.db import create_db_engine
from services.store.settings import StoreSettings


def _sqlite_path(database_url: str) -> Path:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database:
        raise SystemExit("backup covers the embedded SQLite database; for PostgreSQL see README: Data lifecycle")
    return Path(url.database)


async def _backup(directory: Path) -> None:
    settings = StoreSettings.from_env(os.environ)
    nc = await streams.connect(settings.nats_url, "reports-admin")
    try:
        done = await backup.backup(_sqlite_path(settings.database_url), nc, directory)
    finally:
        await nc.close()
    print(f"backup in {done.directory}: database at schema {done.revision}, {done.events} job events")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="reports-admin", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    take = sub.add_parser("backup", help="a consistent snapshot of the database and the job events")
    take.add_argument("directory", type=Path, help="a new directory for the backup")
    put = sub.add_parser("restore", help="a backup into a fresh var directory (the platform stopped)")
    put.add_argument("directory", type=Path)
    put.add_argument("--var-dir", type=Path, default=None, help="default: REPORTS_VAR_DIR or ./var")
    sub.add_parser("requeue", help="queue every job that has not ended again (after restoring PostgreSQL)")
    args = parser.parse_args(argv)
    if args.command == "requeue":
        engine = create_db_engine(StoreSettings.from_env(os.environ).database_url)
        try:
            with engine.begin() as connection:
                count = backup.requeue_open_jobs(connection)
        finally:
            engine.dispose()
        print(f"{count} jobs queued again; the store's relay publishes them")
        return
    if args.command == "backup":
        asyncio.run(_backup(args.directory))
        return
    var_dir = args.var_dir or env.var_dir(os.environ)
    database = backup.restore(args.directory, var_dir)
    print(
        f"restored {database}; start the platform with REPORTS_VAR_DIR={var_dir} and a fresh NATS store",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
