"""An operator command finds the operator of the NATS `make run` started in its var directory's
nats.conf (stack/nats_auth.py), so the service modules never read dev-stack files."""

from __future__ import annotations

from pathlib import Path

from stack import nats_auth


def test_a_written_config_reads_back_as_the_same_users(tmp_path: Path):
    users = nats_auth.generate()
    assert nats_auth.read_config(nats_auth.write_config(tmp_path / "nats.conf", users)) == users


def test_the_operator_of_make_runs_nats_is_taken_from_its_config(tmp_path: Path):
    users = nats_auth.generate()
    config = nats_auth.write_config(tmp_path / "nats.conf", users)
    assert nats_auth.operator_env(config, {}) == {
        "REPORTS_NATS_USER": "operator",
        "REPORTS_NATS_PASSWORD": users["operator"].password,
    }


def test_a_user_named_in_the_environment_or_no_config_leaves_the_environment_alone(tmp_path: Path):
    config = nats_auth.write_config(tmp_path / "nats.conf", nats_auth.generate())
    assert nats_auth.operator_env(config, {"REPORTS_NATS_USER": "me"}) == {}
    assert nats_auth.operator_env(tmp_path / "missing.conf", {}) == {}


def test_the_store_admin_module_reads_no_dev_stack_file():
    source = (Path(__file__).resolve().parents[3] / "services" / "store" / "admin.py").read_text()
    assert "nats.conf" not in source
