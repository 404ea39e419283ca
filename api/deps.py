"""Dependencies shared by the routers."""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError

from api.heavy import HeavyWork
from api.jobs import JobStore
from matcher.engine import Matcher
from matcher.text import UNICODE_MESSAGE as MESSAGE
from matcher.text import unpaired_surrogate


def get_matcher(request: Request) -> Matcher:
    """The engine the app was created with."""
    matcher: Matcher = request.app.state.matcher
    return matcher


MatcherDep = Annotated[Matcher, Depends(get_matcher)]


def get_solves(request: Request) -> HeavyWork:
    """The threads for team solves."""
    heavy: HeavyWork = request.app.state.solves
    return heavy


def get_writes(request: Request) -> HeavyWork:
    """The threads for catalogue writes."""
    heavy: HeavyWork = request.app.state.writes
    return heavy


SolvesDep = Annotated[HeavyWork, Depends(get_solves)]
WritesDep = Annotated[HeavyWork, Depends(get_writes)]


def get_jobs(request: Request) -> JobStore:
    """The jobs of large uploads."""
    jobs: JobStore = request.app.state.jobs
    return jobs


JobsDep = Annotated[JobStore, Depends(get_jobs)]


def has_key(request: Request) -> bool:
    """Whether the request came with a valid API key."""
    return getattr(request.state, "api_key", None) is not None


async def valid_unicode_body(request: Request) -> None:
    """Refuse (422) a JSON body with an unpaired surrogate escape such as "\\ud800": valid
    JSON syntax, but text no store, hash or answer can hold. Bulk uploads are checked per row.
    """
    if getattr(request.scope.get("route"), "body_field", None) is None:
        return
    if not await request.body():
        return
    try:
        data = await request.json()  # already parsed (and cached) for JSON bodies
    except ValueError:
        return  # not JSON: the route's own validation answers
    where = unpaired_surrogate(data)
    if where is not None:
        error = {"type": "string_unicode", "loc": ("body", *where), "msg": MESSAGE}
        raise RequestValidationError([error])


VALID_UNICODE = Depends(valid_unicode_body)
