"""`make backup`: reports-admin (services/store/admin.py) against the stack `make run` started.

That stack's NATS accepts only its users (stack/nats_auth.py), whose passwords are in the var
directory's nats.conf: this connects as its operator, unless REPORTS_NATS_USER names a user.

    python -m stack.admin backup DIR     # any reports-admin command
"""

from __future__ import annotations

import os

from services.common import env
from services.store import admin
from stack import nats_auth


def main(argv: list[str] | None = None) -> None:
    os.environ.update(nats_auth.operator_env(env.var_dir(os.environ) / "nats.conf", os.environ))
    admin.main(argv)


if __name__ == "__main__":
    main()
