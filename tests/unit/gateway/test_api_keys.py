"""API keys as SHA-256 digests, and a keys file that rotates without a restart."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from services.common.env import ConfigError
from services.gateway.api_keys import ApiKeys, parse_entries
from services.gateway.settings import GatewaySettings


def sha(key: str) -> str:
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def write(path: Path, text: str, mtime_ns: int) -> None:
    """Rewrites the file with an mtime of our choosing: a change is seen however coarse the clock."""
    path.write_text(text)
    os.utime(path, ns=(mtime_ns, mtime_ns))


def test_a_key_given_as_its_sha256_digest_authenticates_the_key():
    keys = ApiKeys(parse_entries([f"{sha('s3cret')}=acme", "plain-key=globex"], "test"))
    assert keys.tenant("s3cret") == "acme"
    assert keys.tenant("plain-key") == "globex"
    assert keys.tenant(sha("s3cret")) is None  # the digest itself is not a key
    assert keys.tenant("other") is None


def test_settings_keep_only_digests_of_the_configured_keys():
    settings = GatewaySettings.from_env({"REPORTS_API_KEYS": f"k1=acme,{sha('k2')}=globex"})
    assert settings.api_keys == {sha("k1"): "acme", sha("k2"): "globex"}
    assert "k1=" not in repr(settings)


def test_no_keys_at_all_is_a_configuration_error(tmp_path: Path):
    with pytest.raises(ConfigError, match="REPORTS_API_KEYS_FILE"):
        GatewaySettings.from_env({})
    empty = tmp_path / "keys"
    empty.write_text("# nobody yet\n")
    with pytest.raises(ConfigError, match="no API keys"):
        ApiKeys({}, empty)


def test_a_bad_entry_is_refused_without_echoing_the_key():
    with pytest.raises(ConfigError) as refused:
        parse_entries(["no-tenant-here"], "REPORTS_API_KEYS")
    assert "no-tenant-here" not in str(refused.value)


def test_the_keys_file_is_read_again_when_it_changes(tmp_path: Path):
    path = tmp_path / "keys"
    write(path, f"# rotation\nold-key=acme\n{sha('admin-key')}=globex\n", 1_000_000_000)
    keys = ApiKeys({}, path)
    assert (keys.tenant("old-key"), keys.tenant("admin-key")) == ("acme", "globex")
    write(path, "old-key=acme\nnew-key=acme\n", 2_000_000_000)  # both while clients move over
    assert (keys.tenant("old-key"), keys.tenant("new-key")) == ("acme", "acme")
    assert keys.tenant("admin-key") is None
    write(path, "new-key=acme\n", 3_000_000_000)  # the old one retired
    assert keys.tenant("old-key") is None
    assert keys.tenant("new-key") == "acme"


def test_a_broken_keys_file_keeps_the_keys_it_had(tmp_path: Path):
    path = tmp_path / "keys"
    write(path, "k=acme\n", 1_000_000_000)
    keys = ApiKeys({}, path)
    write(path, "k-without-tenant\n", 2_000_000_000)
    assert keys.tenant("k") == "acme"
    path.unlink()
    assert keys.tenant("k") == "acme"


def test_fixed_keys_and_the_file_work_side_by_side(tmp_path: Path):
    path = tmp_path / "keys"
    write(path, "from-file=acme\n", 1_000_000_000)
    keys = ApiKeys(parse_entries(["from-env=globex"], "test"), path)
    assert (keys.tenant("from-env"), keys.tenant("from-file")) == ("globex", "acme")
