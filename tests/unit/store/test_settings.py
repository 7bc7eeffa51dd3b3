"""The store's settings from the environment."""

from __future__ import annotations

import pytest

from services.common import defaults
from services.common.env import ConfigError
from services.store.settings import StoreSettings


def test_defaults_keep_sqlite_in_the_var_dir_and_media_forever(tmp_path):
    settings = StoreSettings.from_env({"REPORTS_VAR_DIR": str(tmp_path)})
    assert settings.database_url.startswith("sqlite") and str(tmp_path) in settings.database_url
    assert (settings.listen, settings.nats_url, settings.render_capacity, settings.retention_days) == (
        defaults.STORE_ADDR,
        defaults.NATS_URL,
        16,
        None,
    )


def test_every_variable_is_read():
    settings = StoreSettings.from_env(
        {
            "REPORTS_DATABASE_URL": "postgresql://u@db/reports",
            "REPORTS_NATS_URL": "nats://nats:4222",
            "REPORTS_STORE_LISTEN": "0.0.0.0:7001",
            "REPORTS_RENDER_CAPACITY": "4",
            "REPORTS_RETENTION_DAYS": "30",
            "REPORTS_RETENTION_SWEEP_S": "5",
            "REPORTS_RETENTION_BATCH": "9",
            "REPORTS_LOST_JOB_S": "600",
            "REPORTS_STREAM_REPLICAS": "3",
        }
    )
    assert (settings.database_url, settings.nats_url, settings.listen, settings.render_capacity) == (
        "postgresql://u@db/reports",
        "nats://nats:4222",
        "0.0.0.0:7001",
        4,
    )
    assert (settings.retention_days, settings.retention_sweep_s, settings.retention_batch, settings.lost_job_s) == (
        30,
        5.0,
        9,
        600.0,
    )
    assert settings.streams.replicas == 3


@pytest.mark.parametrize(
    "name, value",
    [
        ("REPORTS_RENDER_CAPACITY", "0"),
        ("REPORTS_RETENTION_DAYS", "3651"),
        ("REPORTS_LOST_JOB_S", "never"),
        ("REPORTS_STREAM_REPLICAS", "0"),
    ],
)
def test_a_bad_value_is_a_config_error_naming_its_variable(name, value):
    with pytest.raises(ConfigError, match=name):
        StoreSettings.from_env({name: value})
