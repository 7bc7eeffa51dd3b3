"""The viewer's and the reference page's files: package data found with importlib.resources, served
from there with their headers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from services import gateway
from services.gateway import page_files
from services.gateway.routes import docs, viewer


@pytest.fixture
def client() -> TestClient:
    return TestClient(Starlette(routes=[*docs.routes, *viewer.routes]))


def test_the_page_folders_are_the_packages_data_folders():
    package = Path(gateway.__file__).parent
    assert package / "static" == viewer.STATIC_DIR
    assert package / "docs_page" == docs.DOCS_DIR
    assert {f.name for f in docs.DOCS_DIR.iterdir()} == {"index.html", "docs.js"}


def test_a_folder_the_package_does_not_hold_is_refused_by_name():
    with pytest.raises(FileNotFoundError, match=r"services\.gateway/no-such-folder"):
        page_files.folder("no-such-folder")


def test_every_viewer_file_is_served_byte_for_byte_with_the_pages_security_headers(client: TestClient):
    for path in viewer.STATIC_DIR.iterdir():
        response = client.get(f"/static/{path.name}")
        assert response.status_code == 200, path.name
        assert response.content == path.read_bytes(), path.name
        assert response.headers["content-security-policy"] == viewer.SECURITY_HEADERS["Content-Security-Policy"]
    page = client.get("/")
    assert page.content == (viewer.STATIC_DIR / "index.html").read_bytes()
    assert page.headers["content-type"] == "text/html; charset=utf-8"


def test_the_reference_page_and_its_script_are_served_from_their_files(client: TestClient):
    page = client.get("/docs")
    assert page.status_code == 200 and page.content == (docs.DOCS_DIR / "index.html").read_bytes()
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.headers["content-security-policy"].startswith("default-src 'none'; script-src 'self'")
    assert re.findall(r'<script[^>]*src="([^"]+)"', page.text) == ["/docs/docs.js"]
    script = client.get("/docs/docs.js")
    assert script.status_code == 200 and script.content == (docs.DOCS_DIR / "docs.js").read_bytes()
    assert script.headers["content-type"] == "text/javascript; charset=utf-8"
    assert script.headers["cache-control"] == "public, max-age=300"
    assert 'fetch("/v1/openapi.json")' in script.text
