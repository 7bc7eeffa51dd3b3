"""The report writer: a schema-valid report drafted from the evidence, the same every time.

The schema decides the shape: the section keys and their order come from the `sections` object's
`required` list, each section's parts from its properties. The evidence (a decoded transcript data
block) only supplies words and numbers; nothing it says can change the shape.
"""

from __future__ import annotations

from typing import Any

from services.domain.templates import TEMPLATES

from . import observations as o
from .analysis import Profile, profile_of
from .drafting import SectionDrafter
from .schema_fill import conform, properties_of, resolve

_TEMPLATE_TITLES = {"sales_playbook": "Sales playbook", "general_report": "General report"}


def write_report(schema: dict[str, Any] | None, data: dict[str, Any] | None) -> Any:
    """A value valid for `schema` describing the target in `data` (None: evidence missing)."""
    root = schema if isinstance(schema, dict) else {}
    profile = profile_of(data)
    top = resolve(root, root)
    props = properties_of(top)
    sections_schema = resolve(props.get("sections", {}), root)
    keys = section_keys(sections_schema)
    drafter = SectionDrafter(profile)
    section_props = sections_schema.get("properties") or {}
    sections = {
        key: drafter.draft(key, section_title(key), resolve(section_props.get(key, {}), root), root) for key in keys
    }
    hint = {"title": report_title(keys, profile), "summary": summary(profile), "sections": sections}
    return conform(root, hint)


def section_keys(sections_schema: dict[str, Any]) -> list[str]:
    """The section keys in the schema's order: its `required` list, else its properties."""
    required = [k for k in sections_schema.get("required") or [] if isinstance(k, str)]
    props = sections_schema.get("properties")
    return required or (list(props) if isinstance(props, dict) else [])


def section_title(key: str) -> str:
    for specs in TEMPLATES.values():
        for spec in specs:
            if spec.key == key:
                return spec.title
    words = key.replace("-", "_").split("_")
    return " ".join(w for w in words if w).capitalize() or "Section"


def report_title(keys: list[str], profile: Profile) -> str:
    kind = "Report"
    for name, specs in TEMPLATES.items():
        if keys == [spec.key for spec in specs]:
            kind = _TEMPLATE_TITLES.get(name, name.replace("_", " ").capitalize())
    return f"{kind}: {profile.name}"


# Said in every summary, so nobody takes the placeholder for a real model's judgement.
DEV_MODEL_NOTE = (
    "(Placeholder written by the development model from the call's statistics and "
    "quotes; configure OpenAI or Anthropic for a real report.)"
)


def summary(p: Profile) -> str:
    if not p.found:
        return (
            "No transcript evidence was found in the prompt, so this report could not be "
            "grounded in anything the person said."
        )
    who = f"{p.name} ({p.description})" if p.description else p.name
    where = f' in "{p.media_title}"' if p.media_title else ""
    return " ".join(
        [
            o.sentence(
                f"{who} spoke for {o.seconds(p.speaking_sec)}{where}, "
                f"{o.percent(p.share)} of the talk time over {p.turns} "
                f"{o.plural(p.turns, 'turn')}"
            ),
            o.sentence(f"{o.questions(p)}, {o.pace(p)}, and {o.topics(p)}"),
            DEV_MODEL_NOTE,
        ]
    )
