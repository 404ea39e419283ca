"""Liveness, readiness and metrics."""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from api.deps import MatcherDep
from api.metrics import RequestMetrics

router = APIRouter(tags=["health"])


class Health(BaseModel):
    """Process status."""

    status: str


class Readiness(BaseModel):
    """Whether an index is loaded and holds what the store holds, and the catalogue size."""

    ready: bool
    entities: dict[str, int]
    reason: str | None = None


@router.get("/healthz", response_model=Health)
def healthz() -> Health:
    """The process is up."""
    return Health(status="ok")


@router.get("/readyz", response_model=Readiness, responses={503: {"model": Readiness}})
def readyz(matcher: MatcherDep) -> Readiness | JSONResponse:
    """The index is built and can answer needs."""
    body = Readiness(ready=matcher.ready(), entities=matcher.counts())
    if body.ready and not matcher.index_matches_store():
        body.ready = False
        body.reason = "the index is being rebuilt to hold what the store holds"
    if not body.ready:
        return JSONResponse(status_code=503, content=body.model_dump())
    return body


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}, "application/openmetrics-text": {}}}},
)
def metrics(request: Request) -> Response:
    """Requests by route and status with their latencies, the catalogue size, readiness, and
    process metrics; OpenMetrics when the Accept header asks for it."""
    registry: RequestMetrics = request.app.state.metrics
    body, content_type = registry.exposition(request.headers.get("accept", ""))
    return Response(body, media_type=content_type)
