"""The report viewer: one static page at `/` and its assets under `/static/`.

Neither needs an API key: the page holds no data. It signs in with a key the user types, kept in
the browser's session storage, and calls the /v1 API with it like any other client. Everything it
shows from a transcript or an LLM goes into the DOM as text, and the Content-Security-Policy below
lets the page run only its own scripts, so a transcript that holds markup stays text.
"""

from __future__ import annotations

import os

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from services.gateway import page_files

STATIC_DIR = page_files.folder(page_files.VIEWER)

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; base-uri 'none'; object-src 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


class _ViewerFiles(StaticFiles):
    """Static files with the page's security headers on each answer."""

    def file_response(
        self, full_path: str | os.PathLike[str], stat_result: os.stat_result, scope: Scope, status_code: int = 200
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers.update(SECURITY_HEADERS)
        return response


async def index(_request: Request) -> FileResponse:
    return FileResponse(STATIC_DIR / "index.html", media_type="text/html; charset=utf-8", headers=SECURITY_HEADERS)


routes = [
    Route("/", index, methods=["GET", "HEAD"]),
    Mount("/static", app=_ViewerFiles(directory=STATIC_DIR), name="static"),
]
