"""Versioned prompt records, Langfuse-style: a name, integer versions, and movable labels."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.engine import Connection

from services.common.rpc_errors import invalid, not_found
from services.common.timeutil import utcnow
from services.domain import prompt_seeds
from services.store import records
from services.store.commands import NewPromptVersion
from services.store.records import Prompt
from services.store.tables import PROMPTS

SEED_LABELS = ["production", "latest"]
_NEWEST_FIRST = select(PROMPTS).where(PROMPTS.c.name == bindparam("name")).order_by(PROMPTS.c.version.desc())
_ONE_VERSION = select(PROMPTS).where(PROMPTS.c.name == bindparam("name"), PROMPTS.c.version == bindparam("version"))
_SET_LABELS = update(PROMPTS).where(
    PROMPTS.c.name == bindparam("prompt_name"), PROMPTS.c.version == bindparam("prompt_version")
)


def seed(connection: Connection) -> None:
    """Version 1 of each template, labelled production and latest, on a database that has none."""
    for prompt in prompt_seeds.PROMPT_SEEDS.values():
        if connection.execute(_ONE_VERSION, {"name": prompt.name, "version": 1}).first() is None:
            connection.execute(
                insert(PROMPTS),
                {
                    "name": prompt.name,
                    "version": 1,
                    "labels": list(SEED_LABELS),
                    "system": prompt.system,
                    "instructions": prompt.instructions,
                    "variables": [asdict(v) for v in prompt.variables],
                    "created_at": utcnow(),
                },
            )


def get(connection: Connection, name: str, *, label: str = "production", version: int = 0) -> Prompt:
    """The version asked for, or the newest version holding `label`."""
    if version:
        row = connection.execute(_ONE_VERSION, {"name": name, "version": version}).first()
        if row is None:
            raise not_found("prompt", f"{name}@{version}")
        return records.of_row(Prompt, row)
    for row in connection.execute(_NEWEST_FIRST, {"name": name}):
        if label in row.labels:
            return records.of_row(Prompt, row)
    raise not_found("prompt", f"{name}@{label}")


def create_version(connection: Connection, new: NewPromptVersion) -> Prompt:
    if not new.name or not new.instructions:
        raise invalid("invalid_prompt", "a prompt version needs a name and instructions")
    latest = connection.execute(select(func.max(PROMPTS.c.version)).where(PROMPTS.c.name == new.name)).scalar()
    version = (latest or 0) + 1
    connection.execute(
        insert(PROMPTS),
        {
            "name": new.name,
            "version": version,
            "labels": [],
            "system": new.system,
            "instructions": new.instructions,
            "variables": [asdict(v) for v in new.variables],
            "created_at": utcnow(),
        },
    )
    return set_labels(connection, new.name, version, ["latest", *new.labels])


def set_labels(connection: Connection, name: str, version: int, labels: list[str]) -> Prompt:
    """Gives `version` these labels, taking each from whichever version of `name` held it."""
    target = get(connection, name, version=version)
    wanted = list(dict.fromkeys(labels))
    for row in connection.execute(_NEWEST_FIRST, {"name": name}).all():
        if row.version != version and any(label in row.labels for label in wanted):
            connection.execute(
                _SET_LABELS,
                {
                    "prompt_name": name,
                    "prompt_version": row.version,
                    "labels": [label for label in row.labels if label not in wanted],
                },
            )
    connection.execute(
        _SET_LABELS,
        {"prompt_name": name, "prompt_version": version, "labels": list(dict.fromkeys([*target.labels, *wanted]))},
    )
    return get(connection, name, version=version)


def variables_of(prompt: Prompt) -> list[prompt_seeds.PromptVariable]:
    return [prompt_seeds.PromptVariable(**v) for v in prompt.variables]


def check_params(variables: list[prompt_seeds.PromptVariable], params: dict[str, Any]) -> list[tuple[str, str]]:
    return [(p.name, p.message) for p in prompt_seeds.check_params(variables, params)]
