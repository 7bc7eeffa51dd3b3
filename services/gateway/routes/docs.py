"""`GET /v1/openapi.json` and `GET /docs`, a self-hosted reference page that renders it (no CDN).

Neither needs an API key. The page is plain HTML and a small script (`/docs/docs.js`) that fetches
the document and builds the reference from it with DOM calls (no innerHTML of document text); both are
files in `docs_page/`, served as the viewer's are.
"""

from __future__ import annotations

import json
from functools import cache

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from services.gateway import openapi, page_files

DOCS_DIR = page_files.folder(page_files.DOCS)

_SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; "
    "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


@cache
def _document_bytes() -> bytes:
    return json.dumps(openapi.document(), separators=(",", ":")).encode()


async def openapi_json(_request: Request) -> Response:
    return Response(_document_bytes(), media_type="application/json", headers={"Cache-Control": "public, max-age=300"})


async def docs_page(_request: Request) -> FileResponse:
    return FileResponse(DOCS_DIR / "index.html", media_type="text/html; charset=utf-8", headers=_SECURITY_HEADERS)


async def docs_script(_request: Request) -> FileResponse:
    return FileResponse(
        DOCS_DIR / "docs.js",
        media_type="text/javascript; charset=utf-8",
        headers={**_SECURITY_HEADERS, "Cache-Control": "public, max-age=300"},
    )


routes = [
    Route("/v1/openapi.json", openapi_json, methods=["GET"]),
    Route("/docs", docs_page, methods=["GET"]),
    Route("/docs/docs.js", docs_script, methods=["GET"]),
]
