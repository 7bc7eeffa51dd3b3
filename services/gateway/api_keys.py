"""API keys by their SHA-256 digests, from REPORTS_API_KEYS and a file re-read when it changes.

An entry is `key=tenant` or `sha256:<64 hex digits>=tenant` (the digest of the key, so a
configuration need not hold the key itself: `printf %s KEY | sha256sum`). Either way only digests
are kept: a presented key is hashed and looked up, so no comparison depends on a secret's bytes.

REPORTS_API_KEYS_FILE names a file of entries, one a line (`#` comments, blank lines). Before each
lookup the file's identity (inode, size, mtime) is checked (one stat); when it has changed the file
is read again, so keys rotate without a restart: add the new key, move clients over, remove the old.
A file that cannot be read or parsed keeps the keys it last had, and says so in the log.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
from collections.abc import Iterable
from pathlib import Path

from services.common.env import ConfigError

log = logging.getLogger(__name__)
_DIGEST = re.compile(r"^sha256:([0-9a-fA-F]{64})$")


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def hashed_form(key: str) -> str:
    """`sha256:<hex>` of a key, or the key itself when it is already given that way."""
    hashed = _DIGEST.match(key.strip())
    return f"sha256:{hashed.group(1).lower() if hashed else digest(key.strip())}"


def parse_entries(entries: Iterable[str], source: str) -> dict[str, str]:
    """{digest: tenant} from `key=tenant` / `sha256:<hex>=tenant` entries (`;options` after the
    tenant are the environment's business: services/gateway/settings.py)."""
    keys: dict[str, str] = {}
    for entry in entries:
        key, sep, rest = entry.strip().partition("=")
        tenant = rest.split(";")[0]
        if not sep or not key.strip() or not tenant.strip():
            raise ConfigError(f"{source} entries look like key=tenant or sha256:<hex>=tenant, got {_redacted(entry)!r}")
        keys[hashed_form(key).removeprefix("sha256:")] = tenant.strip()
    return keys


def _redacted(entry: str) -> str:
    """An entry shown in an error without its key."""
    _, sep, tenant = entry.strip().partition("=")
    return f"<key>={tenant}" if sep else "<no '='>"


def _file_entries(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


class ApiKeys:
    """Tenant by presented key: the fixed keys plus the file's current ones."""

    def __init__(self, fixed: dict[str, str], path: Path | None = None) -> None:
        self._fixed = dict(fixed)
        self._path = path
        self._from_file: dict[str, str] = {}
        self._seen: tuple[int, int, int] | None = None
        self._lock = threading.Lock()
        if path is not None:
            self._from_file = parse_entries(_file_entries(path.read_text()), str(path))  # loud at start
            self._seen = self._identity()
        if not self._fixed and not self._from_file:
            raise ConfigError("no API keys: set REPORTS_API_KEYS (key=tenant pairs) or REPORTS_API_KEYS_FILE")

    @classmethod
    def plain(cls, keys: dict[str, str]) -> ApiKeys:
        """From {key: tenant} in plain text (tests, settings built in code)."""
        return cls({digest(key): tenant for key, tenant in keys.items()})

    def tenant(self, key: str) -> str | None:
        self._reload_if_changed()
        hashed = digest(key)
        return self._fixed.get(hashed) or self._from_file.get(hashed)

    def _identity(self) -> tuple[int, int, int] | None:
        assert self._path is not None
        try:
            stat = os.stat(self._path)
        except OSError:
            return None
        return (stat.st_ino, stat.st_size, stat.st_mtime_ns)

    def _reload_if_changed(self) -> None:
        if self._path is None:
            return
        identity = self._identity()
        if identity == self._seen:
            return
        with self._lock:
            if identity == self._seen:
                return
            self._seen = identity
            try:
                self._from_file = parse_entries(_file_entries(self._path.read_text()), str(self._path))
                log.info("api keys reloaded", extra={"path": str(self._path), "keys": len(self._from_file)})
            except (OSError, ConfigError) as exc:
                log.error("api keys file unreadable; keeping the previous keys: %s", exc)
