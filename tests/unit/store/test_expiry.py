"""When a new media expires: its request, else its tenant's default, else the store's, else never.
Each request goes through the servicer's translation (convert.new_media) as it would in the store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from reports.v1 import store_pb2
from services.common.rpc_errors import ServiceError
from services.common.timeutil import utcnow
from services.store import convert, media


def expiry(request: store_pb2.CreateMediaRequest, store_default: int | None) -> datetime | None:
    return media.expiry(convert.new_media(request), store_default)


def _days(request: store_pb2.CreateMediaRequest, store_default: int | None) -> float | None:
    when = expiry(request, store_default)
    return None if when is None else round((when - utcnow()) / timedelta(days=1), 3)


def test_nothing_said_anywhere_keeps_it_forever():
    assert _days(store_pb2.CreateMediaRequest(), None) is None


def test_the_store_default_applies_when_the_request_and_tenant_say_nothing():
    assert _days(store_pb2.CreateMediaRequest(), 30) == 30


def test_the_tenant_default_beats_the_store_default():
    assert _days(store_pb2.CreateMediaRequest(default_retention_days=7), 30) == 7


def test_the_requests_days_beat_both():
    assert _days(store_pb2.CreateMediaRequest(retention_days=2, default_retention_days=7), 30) == 2


def test_the_requests_time_is_kept_as_given():
    request = store_pb2.CreateMediaRequest(default_retention_days=7)
    when = (utcnow() + timedelta(hours=5)).replace(microsecond=0)
    request.expires_at.FromDatetime(when)
    assert expiry(request, 30) == when.astimezone(UTC)


@pytest.mark.parametrize("fields", [{"retention_days": 0}, {"retention_days": 3651}, {"default_retention_days": -1}])
def test_days_out_of_range_are_invalid(fields):
    with pytest.raises(ServiceError):
        expiry(store_pb2.CreateMediaRequest(**fields), None)


def test_a_time_in_the_past_is_invalid():
    request = store_pb2.CreateMediaRequest()
    request.expires_at.FromDatetime(utcnow() - timedelta(seconds=1))
    with pytest.raises(ServiceError):
        expiry(request, None)
