"""Liveness and readiness."""

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.deps import MatcherDep

router = APIRouter(tags=["health"])


class Health(BaseModel):
    """Process status."""

    status: str


class Readiness(BaseModel):
    """Whether an index is loaded, and the catalogue size."""

    ready: bool
    entities: dict[str, int]


@router.get("/healthz", response_model=Health)
def healthz() -> Health:
    """The process is up."""
    return Health(status="ok")


@router.get("/readyz", response_model=Readiness, responses={503: {"model": Readiness}})
def readyz(matcher: MatcherDep) -> Readiness | JSONResponse:
    """The index is built and can answer needs."""
    body = Readiness(ready=matcher.ready(), entities=matcher.store.count())
    if not body.ready:
        return JSONResponse(status_code=503, content=body.model_dump())
    return body
