"""GET /v1/usage's query: dates and times read in UTC, the defaults, and each refusal naming its parameter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
from starlette.requests import Request

from services.gateway.errors import ApiError
from services.gateway.routes.usage import usage_range

NOW = datetime(2026, 12, 3, 8, 30, tzinfo=UTC)


def _range(**query: str) -> tuple[datetime, datetime, str]:
    return usage_range(Request({"type": "http", "query_string": urlencode(query).encode(), "headers": []}), NOW)


def test_the_range_defaults_to_the_last_30_days_by_day():
    assert _range() == (NOW - timedelta(days=30), NOW, "day")


def test_a_date_is_its_midnight_utc_and_a_time_keeps_its_offset():
    start, end, group_by = _range(**{"from": "2026-12-01", "to": "2026-12-02T10:00:00+02:00", "groupBy": "model"})
    assert (start, end, group_by) == (datetime(2026, 12, 1, tzinfo=UTC), datetime(2026, 12, 2, 8, tzinfo=UTC), "model")
    assert _range(to="2026-12-02T08:00:00Z")[1] == datetime(2026, 12, 2, 8, tzinfo=UTC)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "not a date"}, "?from"),
        ({"from": "2026-02-30"}, "?from"),
        ({"to": "2026-12-01T10:00:00"}, "?to"),
        ({"to": "0001-01-01"}, "?to"),
        ({"from": "0001-01-01T00:00:00+01:00"}, "?from"),
        ({"from": "2" * 100}, "?from"),
        ({"from": "2026-12-02", "to": "2026-12-01"}, "?from"),
        ({"from": "2025-12-01", "to": "2026-12-03"}, "?from"),
        ({"groupBy": "tenant"}, "?groupBy"),
    ],
)
def test_a_bad_parameter_is_a_400_naming_it(query: dict[str, str], field: str):
    with pytest.raises(ApiError) as raised:
        _range(**query)
    assert raised.value.status == 400 and [d.path for d in raised.value.details] == [field]
