"""The API documentation pages, Swagger UI at /docs and ReDoc at /redoc, from assets that ship
in an installed package (fastapi-offline): they work with no network, and no third-party script
runs on the API's origin."""

from functools import lru_cache
from pathlib import Path

import fastapi_offline
from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

router = APIRouter(include_in_schema=False)
ASSETS = Path(fastapi_offline.__file__).resolve().parent / "static"
assets = StaticFiles(directory=ASSETS)

SWAGGER = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>API – Stockholm innovation matchmaking</title>
<link rel="stylesheet" href="/docs-assets/swagger-ui.css">
<link rel="icon" href="/docs-assets/favicon.png"></head>
<body><div id="swagger-ui"></div>
<script src="/docs-assets/swagger-ui-bundle.js"></script>
<script src="/static/docs.js"></script>
</body></html>"""

REDOC = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>API reference – Stockholm innovation matchmaking</title>
<link rel="icon" href="/docs-assets/favicon.png"></head>
<body><redoc spec-url="/openapi.json"></redoc>
<script src="/docs/redoc.js"></script>
</body></html>"""


@router.get("/docs", response_class=HTMLResponse)
def swagger_ui() -> HTMLResponse:
    """Swagger UI over /openapi.json."""
    return HTMLResponse(SWAGGER)


@router.get("/redoc", response_class=HTMLResponse)
def redoc() -> HTMLResponse:
    """ReDoc over /openapi.json."""
    return HTMLResponse(REDOC)


# ReDoc draws its maker's logo from their CDN in the sidebar (no option turns it off): offline
# that is a failed request, and this app's content policy blocks it anyway. The bundle is served
# with the packaged favicon in its place.
REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


@lru_cache(maxsize=1)
def _redoc_bundle() -> bytes:
    text = (ASSETS / "redoc.standalone.js").read_text(encoding="utf-8")
    return text.replace(REDOC_LOGO, "/docs-assets/favicon.png").encode("utf-8")


@router.get("/docs/redoc.js")
def redoc_bundle() -> Response:
    """The ReDoc bundle, with no request to another origin."""
    return Response(_redoc_bundle(), media_type="text/javascript")
