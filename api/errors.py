"""Every error as JSON {error: {code, message}} with a 4xx status; bodies over the limit refused."""

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.heavy import RETRY_AFTER_S, BusyError
from api.methods import allowed_methods
from matcher.catalogue.reading import CatalogueError, NoValidRowsError
from matcher.coach.workflow import UnknownRecordError
from matcher.errors import InvalidRequestError, NotBuiltError, UnknownEntityError
from matcher.teams.build import TeamRequestError
from matcher.teams.checks import TeamInfeasibleError

log = logging.getLogger("api")

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}


class RejectedRow(BaseModel):
    """One row of an upload that was refused: where it was, why, and its id when it had one."""

    where: str
    reason: str
    id: str | None = None


class ErrorDetail(BaseModel):
    """What went wrong: a stable code and a sentence for people (and, for an upload of
    which no row was valid, every row with why)."""

    code: str
    message: str
    rejected: list[RejectedRow] | None = None


class ErrorBody(BaseModel):
    """The one error shape of the API."""

    error: ErrorDetail


# The error answers any API route may give, declared in the OpenAPI document (this replaces
# FastAPI's default 422 shape, which the API never sends).
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": description}
    for status, description in {
        400: "The body is not valid JSON.",
        401: "No valid API key where the route needs one.",
        403: "The key's role is too low for the route.",
        404: "An entity, portfolio, need or shortlist entry named in the request is unknown.",
        413: "The body is larger than the limit.",
        422: "The request is not valid (the message says which field and why).",
        429: "Too many requests from this key or address; see Retry-After.",
        503: "No index is built yet, or the server is busy with heavy work (see Retry-After).",
    }.items()
}


def error_response(
    status: int, code: str, message: str, extra: dict[str, Any] | None = None
) -> JSONResponse:
    """The one error shape of the API."""
    content = {"error": {"code": code, "message": message, **(extra or {})}}
    return JSONResponse(status_code=status, content=content)


def _validation_message(exc: RequestValidationError) -> tuple[int, str, str]:
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        return 400, "invalid_json", "the request body is not valid JSON"
    parts = []
    for err in errors[:5]:
        loc = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
        msg = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
        parts.append(f"{loc}: {msg}" if loc else msg)
    return 422, "invalid_request", "; ".join(parts) or "invalid request"


REQUEST_ERRORS: dict[type[Exception], tuple[int, str]] = {
    InvalidRequestError: (422, "invalid_request"),
    TeamRequestError: (422, "invalid_request"),
    TeamInfeasibleError: (422, "infeasible"),
    UnknownRecordError: (404, "not_found"),
    UnknownEntityError: (404, "not_found"),
    CatalogueError: (422, "invalid_request"),
}


def _answer(status: int, code: str) -> Callable[[Request, Exception], Awaitable[JSONResponse]]:
    """A handler answering an exception with its first argument as the message."""

    async def handle(_: Request, exc: Exception) -> JSONResponse:
        return error_response(status, code, str(exc.args[0]) if exc.args else str(exc))

    return handle


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that turn exceptions into JSON errors."""

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(*_validation_message(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = CODES.get(exc.status_code, "error")
        response = error_response(exc.status_code, code, str(exc.detail))
        response.headers.update(exc.headers or {})
        if exc.status_code == 405:
            response.headers["Allow"] = ", ".join(allowed_methods(app, request.scope))
        return response

    for error, (status, code) in REQUEST_ERRORS.items():
        app.add_exception_handler(error, _answer(status, code))

    @app.exception_handler(NoValidRowsError)
    async def _no_valid_rows(_: Request, exc: NoValidRowsError) -> JSONResponse:
        rows = [{k: v for k, v in vars(r).items() if v is not None} for r in exc.rejected]
        return error_response(422, "invalid_request", str(exc), {"rejected": rows})

    @app.exception_handler(BusyError)
    async def _busy(_: Request, exc: BusyError) -> JSONResponse:
        response = error_response(503, "busy", str(exc))
        response.headers["Retry-After"] = str(RETRY_AFTER_S)
        return response

    @app.exception_handler(NotBuiltError)
    async def _not_built(_: Request, exc: NotBuiltError) -> JSONResponse:
        return error_response(503, "not_ready", str(exc))

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return error_response(500, "internal_error", "an internal error occurred")


class BodyLimitMiddleware:
    """Refuses request bodies larger than a limit with 413, before they reach a route.

    Bulk uploads (paths ending in ':bulk') have their own, larger limit.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, bulk_bytes: int | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.bulk_bytes = bulk_bytes or max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.bulk_bytes if scope["path"].endswith(":bulk") else self.max_bytes
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(limit, scope, receive, send)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:
                raise _TooLarge(limit)
            return message

        try:
            await self.app(scope, limited, send)
        except _TooLarge:
            await self._refuse(limit, scope, receive, send)

    async def _refuse(self, limit: int, scope: Scope, receive: Receive, send: Send) -> None:
        message = f"request body is larger than {limit} bytes"
        await error_response(413, "too_large", message)(scope, receive, send)


class _TooLarge(StarletteHTTPException):
    """A streamed body that passed the limit: raised from `receive`, so a route reading its body
    answers 413 through the HTTP error handler (a plain exception there would become a 400)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body is larger than {limit} bytes")
