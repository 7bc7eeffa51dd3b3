"""The report templates: which sections each has, in which order, and of which kind.

The contract's report schema allows any known section key in any order; these lists are the
template rules a schema cannot say.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

SectionKind = Literal["paragraph", "traits", "actions"]
SCHEMA_VERSION = 2
TRAIT_PHRASES = 3


@dataclass(frozen=True)
class SectionSpec:
    key: str
    kind: SectionKind
    title: str
    guidance: str


_TRAITS = SectionSpec(
    "dominating_traits",
    "traits",
    "Dominating traits",
    "Exactly three short phrases naming the traits that dominate how this person talks and decides, "
    "and a body explaining them from the evidence.",
)
_BOTTOM_LINE = SectionSpec("bottom_line", "paragraph", "Bottom line", "The one thing to remember about this person.")

TEMPLATES: dict[str, tuple[SectionSpec, ...]] = {
    "sales_playbook": (
        _TRAITS,
        SectionSpec("how_they_think", "paragraph", "How they think", "How they reason and weigh information."),
        SectionSpec(
            "what_drives_a_yes", "paragraph", "What drives a yes", "What makes them agree to buy or move forward."
        ),
        SectionSpec(
            "how_to_build_rapport_fast", "paragraph", "How to build rapport fast", "How to earn their trust quickly."
        ),
        SectionSpec(
            "buying_tendencies",
            "paragraph",
            "Buying tendencies",
            "How they buy: pace, who they involve, what they check.",
        ),
        SectionSpec(
            "how_they_handle_pushback_and_objections",
            "paragraph",
            "How they handle pushback and objections",
            "How they raise and respond to objections.",
        ),
        SectionSpec(
            "how_they_deal_when_a_deal_gets_sticky",
            "paragraph",
            "How they deal when a deal gets sticky",
            "What they do when a deal stalls or gets hard.",
        ),
        SectionSpec("how_to_close", "actions", "How to close", "Concrete actions that move them to a close."),
        SectionSpec(
            "how_to_follow_up", "actions", "How to follow up", "Concrete follow-up actions after the conversation."
        ),
        _BOTTOM_LINE,
    ),
    "general_report": (
        _TRAITS,
        SectionSpec("how_they_think", "paragraph", "How they think", "How they reason and weigh information."),
        SectionSpec("how_they_operate", "paragraph", "How they operate", "How they work day to day."),
        SectionSpec("what_drives_them", "paragraph", "What drives them", "What motivates them."),
        SectionSpec("how_they_connect", "paragraph", "How they connect", "How they relate to other people."),
        SectionSpec(
            "how_they_handle_feedback", "paragraph", "How they handle feedback", "How they give and take feedback."
        ),
        SectionSpec("pressure_response", "paragraph", "Pressure response", "How they behave under pressure."),
        SectionSpec(
            "how_to_get_their_best",
            "actions",
            "How to get their best",
            "Concrete actions that bring out their best work.",
        ),
        SectionSpec(
            "how_to_handle_the_hard_parts",
            "actions",
            "How to handle the hard parts",
            "Concrete actions for the difficult moments.",
        ),
        _BOTTOM_LINE,
    ),
}

TEMPLATE_NAMES = tuple(TEMPLATES)


def sections_of(template: str) -> tuple[SectionSpec, ...]:
    try:
        return TEMPLATES[template]
    except KeyError:
        raise ValueError(f"unknown template {template!r}") from None
