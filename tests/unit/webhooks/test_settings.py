"""The dispatcher's configuration: it refuses to start without a usable signing secret."""

from __future__ import annotations

import pytest

from services.common.env import ConfigError
from services.webhooks import signing
from services.webhooks.settings import WebhookSettings

SECRET = signing.generate_secret()


def test_the_dispatcher_refuses_to_start_without_a_secret():
    with pytest.raises(ConfigError, match="REPORTS_WEBHOOK_SECRET is not set"):
        WebhookSettings.from_env({})


@pytest.mark.parametrize("secret", ["hunter2", "whsec_!!!", "whsec_c2hvcnQ="])
def test_the_dispatcher_refuses_a_secret_that_is_not_whsec_base64_of_enough_bytes(secret):
    with pytest.raises(ConfigError, match="REPORTS_WEBHOOK_SECRET is not valid"):
        WebhookSettings.from_env({"REPORTS_WEBHOOK_SECRET": secret})


def test_defaults_are_the_production_ones():
    settings = WebhookSettings.from_env({"REPORTS_WEBHOOK_SECRET": SECRET})
    assert settings.secret_key == signing.parse_secret(SECRET)
    assert settings.policy.schedule_s == (5, 300, 1800, 7200, 18000, 36000, 36000)
    assert settings.timeout_s == 15.0
    assert settings.allow_private is False
    assert SECRET not in repr(settings)


def test_the_schedule_and_the_guard_are_configurable_for_tests():
    settings = WebhookSettings.from_env(
        {
            "REPORTS_WEBHOOK_SECRET": SECRET,
            "REPORTS_WEBHOOK_SCHEDULE_S": "0.2, 0.4,0.6",
            "REPORTS_WEBHOOK_ALLOW_PRIVATE": "1",
            "REPORTS_WEBHOOK_JITTER": "0",
        }
    )
    assert settings.policy.schedule_s == (0.2, 0.4, 0.6)
    assert settings.policy.jitter == 0.0
    assert settings.allow_private is True


@pytest.mark.parametrize("schedule", ["1,soon", "0,1", "-1"])
def test_a_bad_schedule_stops_the_dispatcher(schedule):
    with pytest.raises(ConfigError, match="REPORTS_WEBHOOK_SCHEDULE_S"):
        WebhookSettings.from_env({"REPORTS_WEBHOOK_SECRET": SECRET, "REPORTS_WEBHOOK_SCHEDULE_S": schedule})
