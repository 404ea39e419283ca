"""Roles on routes: which API key a request needs, as FastAPI dependencies.

A key comes as `Authorization: Bearer mk_…` or `X-API-Key: mk_…`; the request-context
middleware has already checked it and put the key (or None) on the request.
"""

from typing import Annotated

from fastapi import Depends, HTTPException, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from matcher.catalogue.keys import ApiKey, Role
from matcher.settings import AccessSettings


class Unauthorized(HTTPException):
    """No valid key where one is needed (401)."""

    def __init__(self, message: str) -> None:
        super().__init__(401, message, headers={"WWW-Authenticate": "Bearer"})


def presented_key(headers: dict[str, str]) -> str | None:
    """The key text a request carries, if any."""
    bearer = headers.get("authorization", "")
    if bearer.lower().startswith("bearer "):
        return bearer[7:].strip() or None
    return headers.get("x-api-key") or None


def check_role(request: Request, role: Role, public: bool = False) -> ApiKey | None:
    """The request's key when it may act with `role` (401 without a valid key, 403 with a
    weaker one); `public` reads are open to all when the settings say so."""
    access: AccessSettings = request.app.state.access
    key: ApiKey | None = getattr(request.state, "api_key", None)
    if getattr(request.state, "bad_key", False):
        raise Unauthorized("the API key is not valid or has been revoked")
    if not access.require_keys or (public and access.public_read):
        return key
    if key is None:
        raise Unauthorized(f"this call needs an API key with the {role} role")
    if not key.allows(role):
        raise HTTPException(403, f"this call needs the {role} role; the key has {key.role}")
    return key


# Every API route and the role it needs; True marks reads that `public_read` opens to all.
# A route missing here needs the admin role (fail closed).
ROUTE_ROLES: dict[tuple[str, str], tuple[Role, bool]] = {
    ("POST", "/v1/recommendations"): ("reader", True),
    ("GET", "/v1/entities"): ("reader", True),
    ("GET", "/v1/entities/{entity_id}"): ("reader", True),
    ("GET", "/v1/entities/{entity_id}/similar"): ("reader", True),
    ("GET", "/v1/entities/{entity_id}/complements"): ("reader", True),
    ("GET", "/v1/map"): ("reader", True),
    ("POST", "/v1/teams"): ("reader", True),
    ("POST", "/v1/needs"): ("reader", True),  # no account: the answer's token is the owner's
    ("GET", "/v1/needs/{need_id}"): ("reader", True),
    ("PUT", "/v1/needs/{need_id}"): ("reader", True),
    ("DELETE", "/v1/needs/{need_id}"): ("reader", True),
    ("GET", "/v1/needs/{need_id}/alerts"): ("reader", True),
    ("GET", "/v1/needs/{need_id}/alerts.atom"): ("reader", True),
    ("GET", "/v1/challenges"): ("reader", True),
    ("GET", "/v1/challenges/{challenge_id}"): ("reader", True),
    ("GET", "/v1/entities/{entity_id}/challenges"): ("reader", True),
    ("POST", "/v1/introductions"): ("reader", True),  # rate-limited per requester's contact
    ("GET", "/v1/introductions/{intro_id}"): ("reader", True),  # with the requester's token
    ("GET", "/v1/introductions"): ("editor", False),
    ("PUT", "/v1/introductions/{intro_id}/status"): ("editor", False),
    ("GET", "/v1/portfolios"): ("reader", False),
    ("GET", "/v1/portfolios/{portfolio_id}"): ("reader", False),
    ("GET", "/v1/portfolios/{portfolio_id}/export.csv"): ("reader", False),
    ("GET", "/v1/portfolios/{portfolio_id}/export.json"): ("reader", False),
    ("GET", "/v1/portfolios/{portfolio_id}/export.xlsx"): ("reader", False),
    ("POST", "/v1/portfolios"): ("editor", False),
    ("POST", "/v1/portfolios/{portfolio_id}/recommendations"): ("editor", False),
    ("PUT", "/v1/portfolios/{portfolio_id}/needs/{need_id}/shortlist"): ("editor", False),
    ("DELETE", "/v1/portfolios/{portfolio_id}/needs/{need_id}/shortlist/{entity_id}"): (
        "editor",
        False,
    ),
    ("PUT", "/v1/portfolios/{portfolio_id}/needs/{need_id}/marks/{entity_id}"): (
        "editor",
        False,
    ),
    ("DELETE", "/v1/portfolios/{portfolio_id}/needs/{need_id}/marks/{entity_id}"): (
        "editor",
        False,
    ),
    ("POST", "/v1/feedback"): ("editor", False),
    ("POST", "/v1/entities:bulk"): ("editor", False),
    ("PUT", "/v1/entities/{entity_id}"): ("editor", False),
    ("DELETE", "/v1/entities/{entity_id}"): ("editor", False),
    ("POST", "/v1/reranker:train"): ("admin", False),
    ("GET", "/v1/jobs/{job_id}"): ("editor", False),
}


def route_role(request: Request) -> tuple[Role, bool]:
    """The role a request's route needs. A route asks for more from what it parsed (a bulk
    upload that replaces the whole catalogue needs admin: see routers/ingest.py), never from the
    raw query string."""
    route = getattr(request.scope.get("route"), "path", "")
    return ROUTE_ROLES.get((request.method, route), ("admin", False))


# Declared so that the OpenAPI document names both ways of sending a key; the request-context
# middleware has read and checked the key already.
BEARER = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer mk_…`.")
KEY_HEADER = APIKeyHeader(
    name="X-API-Key", auto_error=False, description="An API key: `X-API-Key: mk_…`."
)


def authorise(
    request: Request,
    _bearer: Annotated[HTTPAuthorizationCredentials | None, Security(BEARER)] = None,
    _header: Annotated[str | None, Security(KEY_HEADER)] = None,
) -> ApiKey | None:
    """The dependency every API router is included with: the route's role, from the table."""
    role, public = route_role(request)
    return check_role(request, role, public)


AUTHORISED = Depends(authorise)
