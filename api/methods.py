"""HTTP methods per path: OPTIONS answers 204 with `Allow`, and a 405 lists in `Allow` every
method the path takes (Starlette names only the methods of the first route that matched)."""

from collections.abc import MutableMapping
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse, Response
from starlette.routing import Match, Mount
from starlette.types import ASGIApp, Receive, Scope, Send

PROBED = ("GET", "POST", "PUT", "DELETE", "PATCH")


def allowed_methods(app: FastAPI, scope: MutableMapping[str, Any]) -> list[str]:
    """Every method some route of the app answers on this request's path, and OPTIONS; [] when
    no route takes the path. Static mounts serve GET only."""
    methods = set()
    for method in PROBED:
        probe = {**scope, "method": method}
        for route in app.router.routes:
            if route.matches(probe)[0] == Match.FULL:
                methods.add("GET" if isinstance(route, Mount) else method)
                break
    return sorted(methods | {"OPTIONS"}) if methods else []


class AnswerOptions:
    """Pure ASGI middleware: OPTIONS on a path the app serves is 204 with `Allow` (a CORS
    preflight is answered by the CORS middleware, outside this one); elsewhere 404."""

    def __init__(self, app: ASGIApp, fastapi: FastAPI) -> None:
        self.app = app
        self.fastapi = fastapi

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "OPTIONS":
            await self.app(scope, receive, send)
            return
        methods = allowed_methods(self.fastapi, scope)
        if methods:
            response = Response(status_code=204, headers={"Allow": ", ".join(methods)})
        else:
            body = {"error": {"code": "not_found", "message": "no page or API route has this path"}}
            response = JSONResponse(body, status_code=404)
        await response(scope, receive, send)
