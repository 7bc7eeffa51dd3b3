"""Versioned prompt records, Langfuse-style: a name, integer versions, and movable labels."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from sqlalchemy import bindparam, func
from sqlalchemy.engine import Row
from sqlmodel import Session, select

from reports.v1 import store_pb2
from services.common import prompt_seeds
from services.common.rpc_errors import invalid, not_found
from services.common.timeutil import utcnow
from services.store.tables import PromptRow

SEED_LABELS = ["production", "latest"]


def seed(session: Session) -> None:
    """Version 1 of each template, labelled production and latest, on a database that has none."""
    for prompt in prompt_seeds.PROMPT_SEEDS.values():
        if session.get(PromptRow, (prompt.name, 1)) is None:
            session.add(PromptRow(
                name=prompt.name, version=1, labels=list(SEED_LABELS), system=prompt.system,
                instructions=prompt.instructions, variables=[asdict(v) for v in prompt.variables],
                created_at=utcnow(),
            ))


PROMPTS = PromptRow.__table__  # type: ignore[attr-defined]
_NEWEST_FIRST = (select(PROMPTS).where(PROMPTS.c.name == bindparam("name"))
                 .order_by(PROMPTS.c.version.desc()))
_ONE_VERSION = select(PROMPTS).where(PROMPTS.c.name == bindparam("name"), PROMPTS.c.version == bindparam("version"))


def get(session: Session, name: str, *, label: str = "production", version: int = 0) -> Row[Any]:
    """The version asked for, or the newest version holding `label`, as a read-only row.

    Every job reads its prompt twice (at creation and to render): a Core row, not an ORM object.
    """
    connection = session.connection()
    if version:
        row = connection.execute(_ONE_VERSION, {"name": name, "version": version}).first()
        if row is None:
            raise not_found("prompt", f"{name}@{version}")
        return row
    for row in connection.execute(_NEWEST_FIRST, {"name": name}):
        if label in row.labels:
            return row
    raise not_found("prompt", f"{name}@{label}")


def create_version(session: Session, request: store_pb2.CreatePromptVersionRequest) -> PromptRow:
    if not request.name or not request.instructions:
        raise invalid("invalid_prompt", "a prompt version needs a name and instructions")
    latest = session.exec(select(func.max(PromptRow.version)).where(PromptRow.name == request.name)).one()
    row = PromptRow(
        name=request.name,
        version=(latest or 0) + 1,
        labels=[],
        system=request.system,
        instructions=request.instructions,
        variables=[{"name": v.name, "required": v.required, "description": v.description,
                    "default": v.default if v.HasField("default") else None} for v in request.variables],
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return set_labels(session, request.name, row.version, ["latest", *request.labels])


def set_labels(session: Session, name: str, version: int, labels: list[str]) -> PromptRow:
    """Gives `version` these labels, taking each from whichever version of `name` held it."""
    target = session.get(PromptRow, (name, version))
    if target is None:
        raise not_found("prompt", f"{name}@{version}")
    wanted = list(dict.fromkeys(labels))
    for row in session.exec(select(PromptRow).where(PromptRow.name == name)):
        if row.version != version and any(label in row.labels for label in wanted):
            row.labels = [label for label in row.labels if label not in wanted]
            session.add(row)
    target.labels = list(dict.fromkeys([*target.labels, *wanted]))
    session.add(target)
    return target


def check_params(prompt: PromptRow | Row[Any], params: dict[str, Any]) -> list[tuple[str, str]]:
    variables = [prompt_seeds.PromptVariable(**v) for v in prompt.variables]
    return [(p.name, p.message) for p in prompt_seeds.check_params(variables, params)]
