"""The names people guess work: `Target.entity_id(...)`, `Target.hint(...)`, `Target.timerange(...)`,
`JobHandle.job_id`; the fields of the same names still read as fields."""

from __future__ import annotations

import dataclasses

import httpx

from reports_sdk import Client, Target
from reports_sdk.models import Timerange


def test_the_guessed_target_factories_build_what_the_documented_ones_build():
    assert Target.entity_id("ana") == Target.entity("ana")
    assert Target.hint("the CFO", on_miss="fallback_dominant") == Target.magic_hint("the CFO", "fallback_dominant")
    assert Target.timerange(0, 30) == Target.between(0, 30)
    assert Target.dominant().on_miss == "error"


def test_the_fields_behind_the_aliases_are_still_fields():
    target = Target.entity_id("ana")
    assert (target.entity_id, target.hint, target.timerange) == ("ana", None, None)
    assert Target.timerange(5, None).timerange == Timerange(start_seconds=5, end_seconds=None)
    assert [f.name for f in dataclasses.fields(Target)] == [
        "raw",
        "strategy",
        "on_miss",
        "entity_id",
        "hint",
        "timerange",
    ]
    assert Target(strategy="dominant").entity_id is None
    assert Target.from_json({"strategy": "magic_hint", "on_miss": "error", "hint": "x"}).hint == "x"
    assert Target.hint("x").to_json() == {"strategy": "magic_hint", "on_miss": "error", "hint": "x"}


def test_a_job_handle_has_job_id_like_a_job():
    client = Client(
        "http://api.test",
        "key",
        http_client=httpx.Client(transport=httpx.MockTransport(lambda request: httpx.Response(500))),
    )
    handle = client.jobs.handle("job_1")
    assert handle.job_id == handle.id == "job_1"
