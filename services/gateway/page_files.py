"""Where the gateway's pages keep their files: package data of `services.gateway`, found with
importlib.resources, so an installed wheel serves them as a checkout does.

A wheel installs a package unzipped, so its data are files on disk; StaticFiles and FileResponse serve
them from there, with the ETags, conditional requests and ranges they handle.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

VIEWER = "static"
DOCS = "docs_page"


def folder(name: str) -> Path:
    found = resources.files(__package__) / name
    if not isinstance(found, Path) or not found.is_dir():
        raise FileNotFoundError(f"{__package__}/{name} is not a folder on disk: {found!r}")
    return found
